// A client's own rules at the token endpoint and the gateway: its rate limit (default and override),
// its IP allowlist (IPv4 and IPv6 CIDR) and its country lists, plus the global GEO_DENY_COUNTRIES.
// Countries come from the bundled offline database: 8.8.8.8 is US, 81.2.69.142 is GB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkedClient } from '../support/linked-client.js';

const PRODUCT = '/rest/V1/products/ABC%2F10';
const US = '8.8.8.8';
const GB = '81.2.69.142';

/** An emulated store and a bridge in front of it, for one describe block. */
function storeAndBridge(env: Record<string, string>) {
  const h = {} as { emu: MagentoEmulator; s: TestServer };
  beforeAll(async () => {
    h.emu = await startMagentoEmulator();
    h.s = await startTestServer({
      env: { MAGENTO_BASE_URL: h.emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE, ...env },
    });
  }, 30_000);
  afterAll(async () => {
    await h.s?.close();
    await h.emu?.close();
  });
  return h;
}

describe('client access rules', () => {
  const h = storeAndBridge({ TRUST_PROXY: 'true', GATEWAY_RATE_LIMIT: '3/min' });

  const call = (token: string, ip = '127.0.0.1') =>
    h.s.request.get(PRODUCT).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', ip);
  const tokenFor = (c: { clientId: string; secret: string }, ip: string) =>
    h.s.request
      .post('/token')
      .auth(c.clientId, c.secret)
      .type('form')
      .set('X-Forwarded-For', ip)
      .send({ grant_type: 'client_credentials', scope: 'catalog:read' });

  it('GATEWAY_RATE_LIMIT for every client, a client with --rate-limit 5/min gets 5', async () => {
    const plain = await linkedClient(h.s, h.emu, { name: 'mobile app', scopes: ['catalog:read'] });
    const erp = await linkedClient(h.s, h.emu, { name: 'bulk ERP', scopes: ['catalog:read'] });
    await h.s.runtime.clients.update(erp.clientId, { rateLimit: '5/min' });
    const plainStatuses = [];
    for (let i = 0; i < 4; i++) plainStatuses.push((await call(plain.token)).status);
    expect(plainStatuses).toEqual([200, 200, 200, 429]);
    const erpStatuses = [];
    for (let i = 0; i < 6; i++) erpStatuses.push((await call(erp.token)).status);
    expect(erpStatuses).toEqual([200, 200, 200, 200, 200, 429]);

    const limited = await call(erp.token);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(limited.headers['ratelimit-policy']).toBe('"gateway";q=5;w=60');
    expect(limited.headers.ratelimit).toMatch(/^"gateway";r=0;t=\d+$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await h.s.runtime.audit.flush();
    const denied = await h.s.runtime.audit.list({ type: 'gateway.denied', clientId: erp.clientId });
    expect(denied[0]).toMatchObject({ status: 429, details: { reason: 'rate_limited' } });
    // A fresh window: the ERP's calls go through again.
    h.s.clock.advance(60_000);
    expect((await call(erp.token)).status).toBe(200);
  });

  it('an IP allowlist (IPv4 and IPv6 CIDR) holds at the token endpoint and the gateway', async () => {
    const c = await linkedClient(h.s, h.emu, { name: 'office only', scopes: ['catalog:read'] });
    await h.s.runtime.clients.update(c.clientId, { allowedIps: ['203.0.113.0/24', '2001:db8::/32'] });

    const outside = await tokenFor(c, '198.51.100.7');
    expect(outside.status).toBe(403);
    expect(outside.body).toEqual({
      error: 'access_denied',
      error_description: 'this client does not accept requests from this address',
    });
    expect((await tokenFor(c, '203.0.113.9')).status).toBe(200);
    expect((await tokenFor(c, '2001:db8:1::5')).status).toBe(200);

    // The token it already holds is refused from outside the list too.
    const away = await call(c.token, '198.51.100.7');
    expect(away.status).toBe(403);
    expect(away.body).toMatchObject({ error: 'access_denied' });
    expect((await call(c.token, '203.0.113.200')).status).toBe(200);
    await h.s.runtime.audit.flush();
    expect((await h.s.runtime.audit.list({ type: 'security.ip_refused', clientId: c.clientId }))[0]).toMatchObject({
      ip: '198.51.100.7',
      details: { reason: 'ip_not_allowed' },
    });
  });

  it("a client's denied and allowed countries; the audit row carries the country", async () => {
    const noUs = await linkedClient(h.s, h.emu, { name: 'not from US', scopes: ['catalog:read'] });
    await h.s.runtime.clients.update(noUs.clientId, { deniedCountries: ['US'] });
    const fromUs = await tokenFor(noUs, US);
    expect(fromUs.status).toBe(403);
    expect(fromUs.body.error_description).toBe('this client does not accept requests from this country');
    expect((await tokenFor(noUs, GB)).status).toBe(200);
    expect((await call(noUs.token, US)).status).toBe(403);
    expect((await call(noUs.token, GB)).status).toBe(200);

    const gbOnly = await linkedClient(h.s, h.emu, { name: 'GB only', scopes: ['catalog:read'] });
    await h.s.runtime.clients.update(gbOnly.clientId, { allowedCountries: ['GB'] });
    expect((await call(gbOnly.token, GB)).status).toBe(200);
    expect((await call(gbOnly.token, US)).status).toBe(403);
    // An address no database places (loopback, private) is not in GB either.
    expect((await call(gbOnly.token, '10.1.2.3')).status).toBe(403);

    await h.s.runtime.audit.flush();
    const refused = await h.s.runtime.audit.list({ type: 'security.country_refused', clientId: noUs.clientId });
    expect(refused[0]).toMatchObject({ ip: US, country: 'US', details: { reason: 'country_denied' } });
    const calls = await h.s.runtime.audit.list({ type: 'gateway.call', clientId: noUs.clientId });
    expect(calls[0]).toMatchObject({ ip: GB, country: 'GB', status: 200, route: 'GET /V1/products/:sku' });
  });
});

describe('GEO_DENY_COUNTRIES', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { TRUST_PROXY: 'true', GEO_DENY_COUNTRIES: 'us, kp' } });
  });
  afterAll(() => s.close());

  it('refuses every request from a denied country, answers others and health checks; audited with the country', async () => {
    const denied = await s.request.get('/.well-known/openid-configuration').set('X-Forwarded-For', US);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      error: 'access_denied',
      error_description: 'requests from this country are not accepted',
    });
    expect((await s.request.post('/token').set('X-Forwarded-For', US).type('form').send({})).status).toBe(403);
    expect((await s.request.get('/healthz').set('X-Forwarded-For', US)).status).toBe(200);
    expect((await s.request.get('/.well-known/openid-configuration').set('X-Forwarded-For', GB)).status).toBe(200);
    await s.runtime.audit.flush();
    const [row] = await s.runtime.audit.list({ type: 'security.country_refused' });
    expect(row).toMatchObject({
      ip: US,
      country: 'US',
      details: { reason: 'country_denied', scope: 'GEO_DENY_COUNTRIES' },
    });
  });
});

describe('the gateway while the limiter store is down (fail-open)', () => {
  // Nothing listens on port 1; the token endpoint is opened too, to get a token at all.
  const h = storeAndBridge({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_FAIL_MODE_TOKEN: 'open' });

  it('lets calls through without budget headers and audits the outage; closed mode would answer 503', async () => {
    const c = await linkedClient(h.s, h.emu, { name: 'during outage', scopes: ['catalog:read'] });
    const res = await h.s.request.get(PRODUCT).set('Authorization', `Bearer ${c.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toBeUndefined();
    await h.s.runtime.audit.flush();
    expect((await h.s.runtime.audit.list({ type: 'security.limiter_unavailable' })).length).toBeGreaterThan(0);
  });
});
