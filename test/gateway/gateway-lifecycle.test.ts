import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  codeFlow,
  discover,
  register,
  startOAuthServer,
  webApp,
  WEB_REDIRECT,
  oauth,
  insecure,
  type RegisteredClient,
} from '../support/oauth-flows.js';
import { linkToEmulator } from '../support/linked-client.js';

type Emulator = Awaited<ReturnType<typeof startMagentoEmulator>>;
let emu: Emulator;
let s: TestServer;
let as: oauth.AuthorizationServer;

const linkTo = (clientId: string, opts: { mode?: 'oauth1' | 'bearer' } = {}) => linkToEmulator(s, emu, clientId, opts);

const get = (path: string, token: string) => s.request.get(path).set('Authorization', `Bearer ${token}`);

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startOAuthServer({ MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE });
  as = await discover(s);
});
afterAll(async () => {
  await s?.close();
  await emu?.close();
});

async function userToken(
  over: Parameters<typeof webApp>[0] = {},
): Promise<{ rc: RegisteredClient; tokens: oauth.TokenEndpointResponse }> {
  const rc = await register(s, webApp(over));
  await linkTo(rc.clientId);
  const { tokens } = await codeFlow(s, as, rc, {
    scope: 'catalog:read offline_access',
    redirectUri: WEB_REDIRECT,
    extra: { prompt: 'consent' },
  });
  return { rc, tokens };
}

describe('gateway: token and client lifecycle', () => {
  it('a user-approved (authorization code) token reads through the bridge', async () => {
    const { tokens } = await userToken();
    const res = await get('/rest/V1/products/ABC%2F10', tokens.access_token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(emu.verdicts.at(-1)).toMatchObject({ ok: true });
  });

  it('a revoked grant is refused within 5 s (opaque token)', async () => {
    const { rc, tokens } = await userToken();
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(200);
    const rev = await oauth.revocationRequest(as, rc.client, rc.auth, tokens.refresh_token!, insecure);
    await oauth.processRevocationResponse(rev);
    s.clock.advance(5000);
    const after = await get('/rest/V1/products/ABC%2F10', tokens.access_token);
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toMatch(/invalid_token/);
  });

  it('a revoked grant is refused within 5 s (JWT access token)', async () => {
    const { rc, tokens } = await userToken({ tokenFormat: 'jwt' });
    expect(tokens.access_token.split('.')).toHaveLength(3);
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(200);
    const rev = await oauth.revocationRequest(as, rc.client, rc.auth, tokens.refresh_token!, insecure);
    await oauth.processRevocationResponse(rev);
    s.clock.advance(5000);
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(401);
  });

  it("a disabled client's tokens are refused within 5 s", async () => {
    const { rc, tokens } = await userToken();
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(200);
    await s.runtime.clients.setEnabled(rc.clientId, false);
    s.clock.advance(5000);
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(401);
  });

  it('no active Magento link → 503 saying the store has not linked the app', async () => {
    const rc = await register(s, webApp());
    const { tokens } = await codeFlow(s, as, rc, { scope: 'catalog:read', redirectUri: WEB_REDIRECT });
    const res = await get('/rest/V1/products/ABC%2F10', tokens.access_token);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      error: 'store_not_linked',
      message: expect.stringMatching(/not linked this app/),
    });
    // A revoked link stops signing at once.
    await linkTo(rc.clientId);
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(200);
    await s.runtime.links.revoke(rc.clientId);
    expect((await get('/rest/V1/products/ABC%2F10', tokens.access_token)).status).toBe(503);
  });

  it('bearer-mode links send the integration token as Bearer', async () => {
    emu.setBearerEnabled(true);
    try {
      const rc = await register(s, webApp());
      await linkTo(rc.clientId, { mode: 'bearer' });
      const { tokens } = await codeFlow(s, as, rc, { scope: 'catalog:read', redirectUri: WEB_REDIRECT });
      const res = await get('/rest/V1/products/ABC%2F10', tokens.access_token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(emu.verdicts.at(-1)).toMatchObject({ ok: true });
      expect(emu.verdicts.at(-1)!.reason).toMatch(/bearer/i);
    } finally {
      emu.setBearerEnabled(false);
    }
  });

  it('streams large responses without buffering them: memory does not grow with the response size', async () => {
    const { tokens } = await userToken();
    // Collect garbage as we go (vitest runs with --expose-gc), so RSS shows what is retained
    // rather than when V8 chose to collect. The absolute figure is noise (engine, GC, machine
    // load) and belongs in the bench; the property is that 5× the bytes costs no more memory.
    const gc = (globalThis as { gc?: () => void }).gc;
    const growthFor = async (mb: number) => {
      gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      let bytes = 0;
      try {
        const res = await fetch(`${s.baseUrl}/rest/V1/test/large?mb=${mb}`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        expect(res.status).toBe(200);
        let nextGc = 0;
        for await (const chunk of res.body!) {
          bytes += (chunk as Uint8Array).length;
          if (bytes >= nextGc) {
            gc?.();
            nextGc += 4 * 1024 * 1024;
          }
        }
      } finally {
        clearInterval(sampler);
      }
      expect(bytes).toBeGreaterThanOrEqual(mb * 1024 * 1024);
      return peak - before;
    };
    const small = await growthFor(10);
    const large = await growthFor(50);
    // Buffering would retain the extra 40 MiB; streaming keeps both near the same figure.
    expect(
      large - small,
      `RSS growth: 10 MiB → ${(small / 2 ** 20).toFixed(1)} MiB, 50 MiB → ${(large / 2 ** 20).toFixed(1)} MiB`,
    ).toBeLessThan(20 * 1024 * 1024);
  });
});

describe('gateway: Magento unreachable', () => {
  it('→ 502', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    // A second instance on the same database (same keys) whose store is a closed port.
    const down = await startTestServer({
      testDb: s.testDb,
      env: {
        MAGENTO_BASE_URL: `http://127.0.0.1:${port}/`,
        ENCRYPTION_KEY: s.config.encryptionKeys[0]!.toString('base64'),
      },
    });
    try {
      const { client, clientSecret } = await down.runtime.clients.create({
        name: 'job',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['catalog:read'],
      });
      await down.runtime.links.ensure(client.clientId);
      await down.runtime.links.importActive(
        client.clientId,
        {
          mode: 'oauth1',
          consumerKey: 'a'.repeat(32),
          consumerSecret: 'b'.repeat(32),
          token: 'c'.repeat(32),
          tokenSecret: 'd'.repeat(32),
          storeBaseUrl: `http://127.0.0.1:${port}/`,
        },
        'test',
      );
      const tok = await down.request
        .post('/token')
        .auth(client.clientId, clientSecret!)
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'catalog:read' });
      expect(tok.status).toBe(200);
      const res = await down.request.get('/rest/V1/products/X').set('Authorization', `Bearer ${tok.body.access_token}`);
      expect(res.status).toBe(502);
      expect(res.body.error).toBe('upstream_unreachable');
      expect(res.headers['x-bridge-source']).toBe('bridge');
    } finally {
      await down.close();
    }
  });
});
