import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { validateClientInput } from '../../src/clients/validate-client-input.js';
import type { TestServer } from '../support/test-server.js';
import { startOAuthServer, startSibling } from '../support/oauth-flows.js';
import { linkedClient } from '../support/linked-client.js';

// CORS for browser apps is the bridge's decision per client (cors_origins on the client record).
const SHOP_A = 'https://shop-a.example';
const SHOP_B = 'https://shop-b.example';
const EVIL = 'https://evil.example';

let emu: MagentoEmulator;
let s: TestServer;
const apps: Record<'a' | 'b', { clientId: string; secret: string; token: string }> = {} as never;

const app = (name: string, corsOrigins: string[]) =>
  linkedClient(s, emu, { name, scopes: ['catalog:read'], corsOrigins });

const preflight = (server: TestServer, path: string, origin: string, method = 'GET') =>
  server.request
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', 'authorization, content-type');

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startOAuthServer({ MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE });
  apps.a = await app('shop A', [SHOP_A]);
  apps.b = await app('shop B', []);
});
afterAll(async () => {
  await s?.close();
  await emu?.close();
});

describe('gateway CORS', () => {
  it('preflight from an origin some client lists → 204 with the allowed methods and headers', async () => {
    const res = await preflight(s, '/rest/V1/products/ABC%2F10', SHOP_A);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP_A);
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, PUT, DELETE');
    expect(res.headers['access-control-allow-headers']).toMatch(/^Authorization, DPoP, Content-Type, Store\b/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
    const gql = await preflight(s, '/graphql', SHOP_A, 'POST');
    expect(gql.status).toBe(204);
    expect(gql.headers['access-control-allow-methods']).toBe('POST');
  });

  it('preflight from an origin no client lists → 403, no CORS headers', async () => {
    const res = await preflight(s, '/rest/V1/products/ABC%2F10', EVIL);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'origin_not_allowed' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("an actual call is readable only from an origin the token's own client lists; Magento's CORS headers never pass", async () => {
    const own = await s.request
      .get('/rest/V1/test/headers')
      .set('Authorization', `Bearer ${apps.a.token}`)
      .set('Origin', SHOP_A);
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBe(SHOP_A);
    expect(own.headers['access-control-allow-credentials']).toBeUndefined(); // the store sent "true"
    expect(own.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);
    expect(own.headers.vary).toMatch(/Origin/);
    // Client B does not list shop A: a page on shop A cannot read B's answers, even with B's token.
    const other = await s.request
      .get('/rest/V1/test/headers')
      .set('Authorization', `Bearer ${apps.b.token}`)
      .set('Origin', SHOP_A);
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined(); // the store sent "*"
    expect(other.headers.vary).toMatch(/Origin/);
    const evil = await s.request
      .get('/rest/V1/products/ABC%2F10')
      .set('Authorization', `Bearer ${apps.a.token}`)
      .set('Origin', EVIL);
    expect(evil.status).toBe(200);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    // The bridge's own errors for the client are readable too (a page must see insufficient_scope).
    const denied = await s.request
      .get('/rest/V1/orders/1')
      .set('Authorization', `Bearer ${apps.a.token}`)
      .set('Origin', SHOP_A);
    expect(denied.status).toBe(403);
    expect(denied.headers['access-control-allow-origin']).toBe(SHOP_A);
  });

  it("origins added or removed reach other instances within the cache bound; disabled clients' origins do not count", async () => {
    const sibling = await startSibling(s, {
      MAGENTO_BASE_URL: emu.storeBaseUrl,
      ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE,
    });
    try {
      expect((await preflight(sibling, '/rest/V1/products/X', SHOP_B)).status).toBe(403);
      await s.runtime.clients.update(apps.b.clientId, { corsOrigins: [SHOP_B] });
      expect((await preflight(s, '/rest/V1/products/X', SHOP_B)).status).toBe(204); // this instance: at once
      sibling.clock.advance(1001); // CACHE_FALLBACK_TTL_MS at most (notifications evict sooner)
      expect((await preflight(sibling, '/rest/V1/products/X', SHOP_B)).status).toBe(204);
      await s.runtime.clients.setEnabled(apps.b.clientId, false);
      sibling.clock.advance(1001); // CACHE_FALLBACK_TTL_MS at most (notifications evict sooner)
      expect((await preflight(sibling, '/rest/V1/products/X', SHOP_B)).status).toBe(403);
      const row = await s.testDb.db('oauth_clients').where({ client_id: apps.b.clientId }).first();
      expect(typeof row.cors_origins === 'string' ? JSON.parse(row.cors_origins) : row.cors_origins).toEqual([SHOP_B]);
    } finally {
      await s.runtime.clients.setEnabled(apps.b.clientId, true);
      await sibling.close();
    }
  });
});

describe('token endpoint CORS (oidc-provider clientBasedCORS)', () => {
  const tokenFrom = (origin: string) =>
    s.request
      .post('/token')
      .auth(apps.a.clientId, apps.a.secret)
      .type('form')
      .set('Origin', origin)
      .send({ grant_type: 'client_credentials', scope: 'catalog:read' });

  it('allowed from an origin the client lists', async () => {
    const res = await tokenFrom(SHOP_A);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.access_token).toBeTruthy();
    expect(res.headers['access-control-allow-origin']).toBe(SHOP_A);
  });

  it('refused from any other origin, with no CORS header', async () => {
    const res = await tokenFrom(SHOP_B);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/origin .* not allowed/),
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('client cors_origins validation', () => {
  const base = {
    name: 'x',
    type: 'confidential' as const,
    grantTypes: ['client_credentials'],
    scopes: ['catalog:read'],
  };
  const check =
    (corsOrigins: string[], production = false) =>
    () =>
      validateClientInput({ ...base, corsOrigins }, null, { apiScopes: ['catalog:read'], production });

  it('accepts exact origins; https only in production except loopback', () => {
    expect(
      check(['https://app.example.com', 'https://app.example.com:8443', 'http://localhost:5173'])().corsOrigins,
    ).toEqual(['https://app.example.com', 'https://app.example.com:8443', 'http://localhost:5173']);
    expect(check(['http://127.0.0.1:5173', 'http://[::1]:3000'], true)().corsOrigins).toHaveLength(2);
    expect(check(['http://app.example.com'])().corsOrigins).toEqual(['http://app.example.com']);
    expect(check(['http://app.example.com'], true)).toThrow(/must use https/);
  });

  it.each([
    ['https://app.example.com/', /scheme, host and port only/],
    ['https://app.example.com/path', /scheme, host and port only/],
    ['https://APP.example.com', /scheme, host and port only/],
    ['https://app.example.com:443', /scheme, host and port only/],
    ['https://user@app.example.com', /scheme, host and port only/],
    ['https://*.example.com', /wildcards/],
    ['*', /wildcards/],
    ['null', /http\(s\) origin/],
    ['ftp://app.example.com', /http\(s\) origin/],
    ['', /non-empty/],
  ])('refuses %s', (origin, message) => {
    expect(check([origin])).toThrow(message);
  });
});
