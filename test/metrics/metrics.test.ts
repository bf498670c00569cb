// Prometheus metrics: served for a bearer token on the main port or on a port of their own, fed
// by the gateway, the token endpoint (through the audit trail) and the caches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/server-process.js';
import { catalogReader } from '../support/oauth-flows.js';

const TOKEN = 'm'.repeat(40);

/** The value of one sample line, e.g. `bridge_tokens_total{grant_type="client_credentials",outcome="success"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics for a bearer token (METRICS_TOKEN)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => s.close());

  it('refuses a missing or wrong token with 401, and answers the right one in Prometheus text', async () => {
    const none = await s.request.get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect((await s.request.get('/metrics').set('Authorization', `Bearer ${'x'.repeat(40)}`)).status).toBe(401);
    const ok = await s.request.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(ok.text).toMatch(/^bridge_audit_queue_depth \d+$/m);
  });

  it('counts gateway calls by status and route group, tokens by grant and outcome, cache lookups', async () => {
    const metrics = async () => (await s.request.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    const gateway401 = 'bridge_gateway_requests_total{status="401",route_group="none"}';
    const before = sample(await metrics(), gateway401) ?? 0;
    for (let i = 0; i < 3; i++) await s.request.get('/rest/V1/products').set('Authorization', 'Bearer nope');
    expect(sample(await metrics(), gateway401)).toBe(before + 3);

    const { secret, token } = await catalogReader(s, 'metrics');
    expect((await token(secret)).status).toBe(200);
    expect((await token('wrong')).status).toBe(401);
    const text = await metrics();
    expect(sample(text, 'bridge_tokens_total{grant_type="client_credentials",outcome="success"}')).toBe(1);
    expect(sample(text, 'bridge_tokens_total{grant_type="client_credentials",outcome="failure"}')).toBe(1);
    expect(sample(text, 'bridge_cache_lookups_total{cache="clients",result="miss"}')).toBeGreaterThan(0);
  });
});

describe('metrics on a port of their own (METRICS_PORT)', () => {
  it('serves /metrics there without a token, nothing else; the main port has no /metrics', async () => {
    const port = await freePort();
    const s = await startTestServer({ env: { METRICS_PORT: String(port) } });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^# TYPE bridge_gateway_requests_total counter$/m);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      expect((await s.request.get('/metrics')).status).toBe(404);
    } finally {
      await s.close();
    }
    // Stopped with the server.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe('what the audit trail tells the metrics', () => {
  it('counts sign-ins by outcome and rate-limit refusals', async () => {
    const m = createMetrics();
    for (const type of [
      'admin.login',
      'admin.login_failed',
      'admin.login_failed',
      'admin.totp_failed',
      'admin.passkey_failed',
      'admin.locked',
    ])
      m.observeAudit({ type, outcome: 'x' });
    m.observeAudit({ type: 'security.rate_limited', outcome: 'denied' });
    const text = await m.registry.metrics();
    expect(sample(text, 'bridge_sign_ins_total{outcome="success"}')).toBe(1);
    expect(sample(text, 'bridge_sign_ins_total{outcome="failure"}')).toBe(2);
    expect(sample(text, 'bridge_sign_ins_total{outcome="totp_failed"}')).toBe(1);
    expect(sample(text, 'bridge_sign_ins_total{outcome="passkey_failed"}')).toBe(1);
    expect(sample(text, 'bridge_sign_ins_total{outcome="locked"}')).toBe(1);
    expect(sample(text, 'bridge_rate_limited_total')).toBe(1);
  });
});
