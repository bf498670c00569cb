// The token endpoint's door: failed client authentications per IP and per client, request budgets
// per IP and per client with the IETF draft headers, escalation to a block, and the client's own
// IP and country rules. Addresses come from X-Forwarded-For (TRUST_PROXY=true), as behind a proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { catalogReader } from '../support/oauth-flows.js';

const from = (ip: string) => ({ 'X-Forwarded-For': ip });

describe('failed client authentications', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      env: {
        TRUST_PROXY: 'true',
        CLIENT_AUTH_FAILURE_LIMIT_PER_IP: '10/15min',
        CLIENT_AUTH_FAILURE_LIMIT_PER_CLIENT: '20/15min',
      },
    });
  });
  afterAll(() => s.close());

  it('40 wrong secrets from one IP meet 429 from the 11th on; the right secret from there is refused too, not elsewhere', async () => {
    const a = await catalogReader(s, 'stuffed A');
    const b = await catalogReader(s, 'stuffed B');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const c = i % 2 ? a : b;
      statuses.push((await c.token('wrong-secret').set(from('198.51.100.40'))).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));

    const refused = await a.token(a.secret).set(from('198.51.100.40'));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'rate_limited' });
    expect(refused.body.error_description).toMatch(/this address is blocked until/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect((await a.token(a.secret).set(from('198.51.100.41'))).status).toBe(200);

    await s.runtime.audit.flush();
    const [blocked] = await s.runtime.audit.list({ type: 'security.blocked' });
    expect(blocked).toMatchObject({ ip: '198.51.100.40', details: { kind: 'ip', scope: 'token' } });
    expect(await s.runtime.metrics.registry.getSingleMetricAsString('bridge_blocks_total')).toContain(
      'bridge_blocks_total{kind="ip"} 1',
    );
    // A token-endpoint block leaves the address its other doors (pages, gateway, health).
    expect((await s.request.get('/.well-known/openid-configuration').set(from('198.51.100.40'))).status).toBe(200);
  });

  it("one client's secret guessed from many addresses: 429 for that client after 20 failures, others unaffected", async () => {
    const victim = await catalogReader(s, 'guessed');
    const other = await catalogReader(s, 'bystander');
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await victim.token('guess').set(from(`203.0.113.${i + 1}`))).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual([429, 429]);
    const fresh = await victim.token(victim.secret).set(from('192.0.2.200'));
    expect(fresh.status).toBe(429);
    expect(fresh.body.error_description).toMatch(/this client is blocked until/);
    expect((await other.token(other.secret).set(from('192.0.2.200'))).status).toBe(200);
  });

  it('blocks:clear opens the door again at once', async () => {
    const c = await catalogReader(s, 'cleared');
    for (let i = 0; i < 11; i++) await c.token('wrong').set(from('198.51.100.77'));
    expect((await c.token(c.secret).set(from('198.51.100.77'))).status).toBe(429);
    expect(await s.runtime.blocks.clear({ kind: 'ip', subject: '198.51.100.77' }, 'test')).toBe(1);
    expect((await c.token(c.secret).set(from('198.51.100.77'))).status).toBe(200);
  });
});

describe('token request budgets', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      env: {
        TRUST_PROXY: 'true',
        TOKEN_RATE_LIMIT_PER_IP: '3/min',
        TOKEN_RATE_LIMIT_PER_CLIENT: '4/min',
        BLOCK_AFTER_REFUSALS: '2',
        BLOCK_DURATION_S: '3600',
      },
    });
  });
  afterAll(() => s.close());

  it('per IP: the 4th request in the window is 429 with Retry-After, RateLimit-Policy and RateLimit', async () => {
    const c = await catalogReader(s, 'per ip');
    const ok = await c.token(c.secret).set(from('198.51.100.1'));
    expect(ok.status).toBe(200);
    expect(ok.headers['ratelimit-policy']).toContain('"token-ip";q=3;w=60');
    expect(ok.headers.ratelimit).toMatch(/"token-ip";r=2;t=\d+/);
    await c.token(c.secret).set(from('198.51.100.1'));
    await c.token(c.secret).set(from('198.51.100.1'));
    const limited = await c.token(c.secret).set(from('198.51.100.1'));
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/application\/json/);
    expect(limited.body).toEqual({
      error: 'rate_limited',
      error_description: 'too many token requests from this address',
    });
    expect(limited.headers['ratelimit']).toMatch(/"token-ip";r=0;t=\d+/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The next window is open again (the window follows the server's clock).
    s.clock.advance(60_000);
    expect((await c.token(c.secret).set(from('198.51.100.1'))).status).toBe(200);
  });

  it('per client: the 5th request from five addresses is 429', async () => {
    const c = await catalogReader(s, 'per client');
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await c.token(c.secret).set(from(`192.0.2.${i}`))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('repeated refusals block the IP everywhere for BLOCK_DURATION_S, health checks excepted; audited', async () => {
    s.clock.advance(60_000);
    const c = await catalogReader(s, 'abuser');
    const ip = '198.51.100.99';
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.token(c.secret).set(from(ip))).status);
    // 3 allowed, then refusals; the third refusal is one past BLOCK_AFTER_REFUSALS=2.
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    await s.runtime.audit.flush();
    const [blocked] = await s.runtime.audit.list({ type: 'security.blocked' });
    expect(blocked).toMatchObject({ ip, actor: 'system', details: { kind: 'ip', scope: 'all' } });
    s.clock.advance(120_000); // the budget's window is long over; the block is not
    const page = await s.request.get('/.well-known/openid-configuration').set(from(ip));
    expect(page.status).toBe(429);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(3000);
    expect((await s.request.get('/healthz').set(from(ip))).status).toBe(200);
    s.clock.advance(3600_000);
    expect((await c.token(c.secret).set(from(ip))).status).toBe(200);
  });
});

describe('hostile requests at the token endpoint door', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it("a body past oidc-provider's 56 KiB is 413 invalid_request before the provider runs", async () => {
    const res = await s.request
      .post('/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: 'x', padding: 'a'.repeat(60 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'request body too large' });
  });

  it("malformed Basic headers and unreadable client assertions get the provider's OAuth errors, not a 500", async () => {
    const c = await catalogReader(s, 'target');
    const form = { grant_type: 'client_credentials', scope: 'catalog:read' };
    for (const authorization of [
      'Basic !!!not-base64',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Basic %',
    ]) {
      const res = await s.request.post('/token').set('Authorization', authorization).type('form').send(form);
      expect(res.status, authorization).toBeGreaterThanOrEqual(400);
      expect(res.status, authorization).toBeLessThan(500);
      expect(typeof res.body.error, authorization).toBe('string');
    }
    const assertion = await s.request
      .post('/token')
      .type('form')
      .send({
        ...form,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'not.a.jwt',
      });
    expect(assertion.status).toBe(400);
    expect(typeof assertion.body.error).toBe('string');
    // After all that, the client's own well-formed request still gets its token.
    const ok = await s.request.post('/token').auth(c.clientId, c.secret).type('form').send(form);
    expect(ok.status).toBe(200);
  });
});
