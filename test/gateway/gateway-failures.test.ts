// What the gateway answers when our side fails: a crash is still audited (as a 500), and a token
// check that cannot reach the database answers 503 (retry), never invalid_token (get a new token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMagentoEmulator, type MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkedClient } from '../support/linked-client.js';

let emu: MagentoEmulator;
const servers: TestServer[] = [];
beforeAll(async () => {
  emu = await startMagentoEmulator();
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await emu?.close();
});

async function gateway(): Promise<TestServer> {
  const s = await startTestServer({ env: { MAGENTO_BASE_URL: emu.storeBaseUrl } });
  servers.push(s);
  return s;
}

describe(`gateway failures (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('a call that fails in the bridge itself answers 500 and is audited with status 500', async () => {
    const s = await gateway();
    const c = await linkedClient(s, emu, { name: 'Broken Link', scopes: ['catalog:read'] });
    // Sealed credentials that no longer open: the credential source throws.
    await s.testDb.db('magento_links').where({ client_id: c.clientId }).update({ access_token_sealed: 'not-a-box' });
    const res = await s.request.get('/rest/V1/products/24-MB01').set('Authorization', `Bearer ${c.token}`);
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('not-a-box');
    let row: { type: string; outcome: string; details: unknown } | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      row = await s.testDb.db('audit_events').where({ client_id: c.clientId, type: 'gateway.denied' }).first();
      if (!row) await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toBeDefined();
    const details = (typeof row!.details === 'string' ? JSON.parse(row!.details) : row!.details) as Record<
      string,
      unknown
    >;
    expect(row!.outcome).toBe('failure');
    expect(details).toMatchObject({ status: 500, reason: 'internal_error', path: '/rest/V1/products/24-MB01' });
  });

  it('a token check that cannot reach the database answers 503 with Retry-After, not invalid_token', async () => {
    const s = await gateway();
    const c = await linkedClient(s, emu, { name: 'Database Gone', scopes: ['catalog:read'] });
    await s.testDb.db.destroy(); // every query now fails: the pool is gone
    const res = await s.request.get('/rest/V1/products/24-MB01').set('Authorization', `Bearer ${c.token}`);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['www-authenticate'] ?? '').not.toMatch(/invalid_token/);
    expect(res.body).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
