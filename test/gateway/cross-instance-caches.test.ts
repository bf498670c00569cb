// Two server instances on one PostgreSQL database: this test's in-process server (A) and a real
// server process (B). B caches tokens, clients and links; a change made through A must be refused
// by B within 1 s. B's cache fallback is set to a minute, so only the notifications can do that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { FEED_APPLICATION_NAME } from '../../src/db/change-feed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkedClient } from '../support/linked-client.js';
import { startSiblingProcess } from '../support/sibling-process.js';

const PRODUCT = '/rest/V1/products/ABC%2F10';
const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)('caches across instances (LISTEN/NOTIFY)', () => {
  let emu: MagentoEmulator;
  let a: TestServer;
  let b: Awaited<ReturnType<typeof startSiblingProcess>>['proc'];
  let bUrl: string;

  beforeAll(async () => {
    emu = await startMagentoEmulator();
    const storeEnv = { MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE };
    a = await startTestServer({ env: storeEnv });
    ({ proc: b, url: bUrl } = await startSiblingProcess(a, storeEnv));
  }, 60_000);
  afterAll(async () => {
    b?.child.kill('SIGTERM');
    await b?.exited;
    await a?.close();
    await emu?.close();
  });

  const callB = (token: string) => supertest(bUrl).get(PRODUCT).set('Authorization', `Bearer ${token}`);

  /** Calls B until it answers `status`; returns how long that took. */
  async function untilB(token: string, status: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const res = await callB(token);
      const waited = Date.now() - started;
      if (res.status === status) return waited;
      if (waited > 1000) throw new Error(`B still answers ${res.status} after ${waited} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function warmClient(name: string) {
    const c = await linkedClient(a, emu, { name, scopes: ['catalog:read'] });
    for (let i = 0; i < 3; i++) expect((await callB(c.token)).status).toBe(200);
    return c;
  }

  it('a revoked access token is refused by the other instance within 1 s', async () => {
    const c = await warmClient('revoked token');
    const stored = await a.runtime.provider.ClientCredentials.find(c.token);
    await stored!.destroy();
    expect(await untilB(c.token, 401)).toBeLessThanOrEqual(1000);
  });

  it('introspection on the other instance says inactive within 1 s of a revocation', async () => {
    const c = await warmClient('introspected token');
    const introspect = () =>
      supertest(bUrl).post('/token/introspection').auth(c.clientId, c.secret).type('form').send({ token: c.token });
    expect((await introspect()).body.active).toBe(true);
    expect((await introspect()).body.active).toBe(true);
    const stored = await a.runtime.provider.ClientCredentials.find(c.token);
    await stored!.destroy();
    const started = Date.now();
    while ((await introspect()).body.active !== false) {
      expect(Date.now() - started).toBeLessThanOrEqual(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('a disabled client is refused by the other instance within 1 s', async () => {
    const c = await warmClient('disabled client');
    await a.runtime.clients.setEnabled(c.clientId, false);
    expect(await untilB(c.token, 401)).toBeLessThanOrEqual(1000);
  });

  it('a revoked store link stops the other instance signing with it within 1 s', async () => {
    const c = await warmClient('unlinked store');
    await a.runtime.links.revoke(c.clientId);
    expect(await untilB(c.token, 503)).toBeLessThanOrEqual(1000);
  });

  it('with its notification connection cut, the other instance goes to the database (no stale allow)', async () => {
    const c = await warmClient('feed cut');
    const cut = await a.testDb.db.raw(
      'select pg_terminate_backend(pid) as cut from pg_stat_activity where application_name = ? and datname = current_database()',
      [FEED_APPLICATION_NAME],
    );
    expect(cut.rows.length).toBeGreaterThanOrEqual(1);
    await a.runtime.clients.setEnabled(c.clientId, false);
    expect(await untilB(c.token, 401)).toBeLessThanOrEqual(1000);
    // And it comes back: a change after the reconnect is heard again.
    const again = await warmClient('feed back');
    for (let i = 0; i < 100 && !/change notifications lost/.test(b.output()); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(b.output()).toMatch(/change notifications lost/);
    await new Promise((r) => setTimeout(r, 300)); // the first reconnect attempt is after 100 ms
    await a.runtime.clients.setEnabled(again.clientId, false);
    expect(await untilB(again.token, 401)).toBeLessThanOrEqual(1000);
  });
});
