import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let testDb: TestDb;
let s: TestServer;
const consoleLines: string[] = [];

beforeAll(async () => {
  // oidc-provider reports development defaults through console.info/warn.
  for (const m of ['info', 'warn', 'log'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void consoleLines.push(args.join(' ')));
  }
  testDb = await createTestDb();
  s = await startTestServer({ testDb });
});
afterAll(async () => {
  await s?.close();
  await testDb?.destroy();
  vi.restoreAllMocks();
});

describe('server basics', () => {
  it('serves discovery with the configured issuer', async () => {
    const res = await s.request.get('/.well-known/openid-configuration').expect(200);
    expect(res.body.issuer).toBe(s.baseUrl);
    expect(res.body.jwks_uri).toBe(`${s.baseUrl}/jwks`);
    expect(res.body.token_endpoint).toBe(`${s.baseUrl}/token`);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('scopes_supported lists openid, offline_access and every API scope of the catalog', async () => {
    const apiScopes = [...s.runtime.catalog.scopes.keys()];
    expect(apiScopes.length).toBeGreaterThan(3);
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await s.request.get(path).expect(200);
      expect([...res.body.scopes_supported].sort(), path).toEqual(['openid', 'offline_access', ...apiScopes].sort());
    }
  });

  it('keeps a well-formed incoming request id', async () => {
    const res = await s.request.get('/healthz').set('X-Request-Id', 'abc12345-trace').expect(200);
    expect(res.headers['x-request-id']).toBe('abc12345-trace');
    const bad = await s.request.get('/healthz').set('X-Request-Id', '<script>').expect(200);
    expect(bad.headers['x-request-id']).not.toBe('<script>');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await s.request.get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    expect((await s.request.get('/readyz').expect(200)).body).toMatchObject({
      status: 'ok',
      checks: { database: 'ok' },
    });
  });

  it('publishes only public keys, and the same JWKS after a restart', async () => {
    const first = (await s.request.get('/jwks').expect(200)).body;
    expect(first.keys.length).toBeGreaterThanOrEqual(2);
    for (const k of first.keys) {
      expect(k.d).toBeUndefined();
      expect(k.p).toBeUndefined();
    }
    // A second instance on the same database serves the same keys.
    const second = await startTestServer({
      testDb,
      env: { ENCRYPTION_KEY: s.config.encryptionKeys[0]!.toString('base64') },
    });
    try {
      const again = (await second.request.get('/jwks').expect(200)).body;
      expect(again).toEqual(first);
    } finally {
      await second.close();
    }
  });

  it('stores signing keys sealed, never as plain JWKs', async () => {
    const rows = await testDb.db('signing_keys').select('private_jwk_sealed');
    for (const r of rows) {
      expect(r.private_jwk_sealed).toMatch(/^v1\./);
      expect(r.private_jwk_sealed).not.toContain('"d"');
    }
  });

  it('printed no oidc-provider development warnings', () => {
    expect(consoleLines.filter((l) => l.includes('oidc-provider'))).toEqual([]);
  });
});
