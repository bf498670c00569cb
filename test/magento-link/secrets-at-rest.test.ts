import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createMigrationSource, migrateLatest } from '../../src/db/migrate.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createLinkStore } from '../../src/magento-link/link-store.js';
import { createInteractionStateStore } from '../../src/pages/kit/interaction-state.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { Db } from '../../src/db/create-db.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import {
  confirmInPopup,
  hiddenFields,
  popupUrl,
  startLinkFixture,
  type LinkFixture,
} from '../support/magento-link-fixture.js';

const NEW_MIGRATION = '20261203140000_seal_secrets_at_rest';

/** Every row of every table of the schema, as text: what someone holding a dump would read. */
async function dumpAllTables(db: Db): Promise<string> {
  const tables = await db.raw(
    "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
  );
  let out = '';
  for (const { table_name: t } of tables.rows as { table_name: string }[]) {
    const rows = await db.raw(`select coalesce(string_agg(row_to_json(x)::text, E'\\n'), '') as dump from "${t}" x`);
    out += `${t}: ${rows.rows[0].dump}\n`;
  }
  return out;
}

describe('secrets at rest: no Magento or form secret is stored in clear', () => {
  let f: LinkFixture;
  beforeAll(async () => {
    f = await startLinkFixture();
  });
  afterAll(() => f.close());

  it(
    'after activation, token exchange and identity-link confirmation, a dump of every table holds none ' + 'of them',
    async () => {
      const integration = f.emu.createIntegration({ name: 'Warehouse Sync', resources: ['Magento_Catalog::products'] });
      await f.emu.activate(integration.id, f.urls.endpoint_url);
      await f.s.runtime.activation.idle();
      // A popup left open mid-way keeps its CSRF token in interaction_states.
      const popup = new URL(popupUrl(f.urls.identity_link_url, integration.consumerKey, ''));
      const open = await f.s.request.get(popup.pathname + popup.search);
      expect(open.status).toBe(200);
      const csrf = hiddenFields(open.text)._csrf!;
      expect(csrf).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const { done } = await confirmInPopup(f, integration.consumerKey);
      expect(done.status).toBe(200);
      expect(await f.s.runtime.links.get(f.clientId)).toMatchObject({ status: 'active' });

      const emulated = f.emu.getIntegration(integration.id);
      const endpointToken = new URL(f.urls.endpoint_url).pathname.split('/').pop()!;
      const secrets = {
        endpointToken,
        consumerKey: emulated.consumerKey,
        consumerSecret: emulated.consumerSecret,
        accessToken: emulated.token!.token,
        tokenSecret: emulated.token!.secret,
        verifier: emulated.token!.verifier,
        csrf,
      };
      for (const v of Object.values(secrets)) expect(v.length).toBeGreaterThanOrEqual(20);
      const dump = await dumpAllTables(f.s.testDb.db);
      expect(dump).toContain('magento_links');
      for (const [name, value] of Object.entries(secrets))
        expect({ name, found: dump.includes(value) }).toEqual({ name, found: false });

      // Still usable: the stores open what they sealed, and a lookup by endpoint token finds the link.
      expect(await f.s.runtime.links.clientIdForEndpoint(endpointToken)).toBe(f.clientId);
      expect(await f.s.runtime.links.clientIdForEndpoint(`${endpointToken}x`)).toBeNull();
      expect(await f.s.runtime.links.ensure(f.clientId)).toEqual({ endpointToken });
      expect(await f.s.runtime.links.activeCredentials(f.clientId)).toMatchObject({
        consumerKey: secrets.consumerKey,
        consumerSecret: secrets.consumerSecret,
        token: secrets.accessToken,
        tokenSecret: secrets.tokenSecret,
      });
      const row = await f.s.testDb.db('magento_links').where({ client_id: f.clientId }).first();
      expect(row.endpoint_token_sealed).toMatch(/^v1\./);
      expect(row).not.toHaveProperty('endpoint_token');
    },
  );
});

describe(`migration ${NEW_MIGRATION} seals existing rows (and its down restores them)`, () => {
  let t: TestDb;
  const box = createSecretBox([randomBytes(32)]);
  const clock = createFakeClock();
  const endpointToken = randomBytes(24).toString('base64url');
  const consumerKey = 'k'.repeat(8) + randomBytes(12).toString('hex');
  const csrf = randomBytes(32).toString('base64url');
  const linkAad = (column: string) => `magento_links:c_legacy:${column}`;
  const legacyHash = (key: string) => createHash('sha256').update(`magento-consumer:${key}`).digest('base64url');
  const before = createMigrationSource({ box });
  const upTo: Knex.MigrationSource<string> = {
    ...before,
    getMigrations: async () => (await before.getMigrations([])).filter((m) => !m.startsWith(NEW_MIGRATION)),
  };

  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
    await t.db.migrate.latest({ migrationSource: upTo });
    await t.db('oauth_clients').insert({
      client_id: 'c_legacy',
      name: 'Legacy',
      type: 'confidential',
      auth_method: 'client_secret_basic',
      created_at: new Date(),
      updated_at: new Date(),
    });
    const previous = {
      consumer_key_hash: legacyHash(consumerKey),
      consumer_key_sealed: box.seal(consumerKey, linkAad('consumer_key')),
      status: 'active',
    };
    await t.db('magento_links').insert({
      client_id: 'c_legacy',
      endpoint_token: endpointToken,
      status: 'pending',
      consumer_key_hash: legacyHash(consumerKey),
      consumer_key_sealed: box.seal(consumerKey, linkAad('consumer_key')),
      verifier_sealed: box.seal('v', linkAad('verifier')),
      previous_working: JSON.stringify(previous),
    });
    await t
      .db('interaction_states')
      .insert({ uid: 'uid-legacy', csrf_token: csrf, stage: 'start', expires_at: new Date(clock.now() + 60_000) });
  });
  afterAll(() => t.destroy());

  it('refuses to run without the encryption key when there are rows to seal', async () => {
    await expect(migrateLatest(t.db)).rejects.toThrow(/needs the encryption key/);
    // Nothing half-done: the migration ran in a transaction.
    expect((await t.db('magento_links').first()).endpoint_token).toBe(endpointToken);
  });

  it('up: the clear columns are gone and the stores find and open the migrated values', async () => {
    expect(await migrateLatest(t.db, { box })).toEqual([NEW_MIGRATION]);
    const dump = await dumpAllTables(t.db);
    for (const v of [endpointToken, csrf, consumerKey, legacyHash(consumerKey)]) expect(dump).not.toContain(v);
    const links = createLinkStore({ db: t.db, box, clock });
    expect(await links.clientIdForEndpoint(endpointToken)).toBe('c_legacy');
    expect(await links.ensure('c_legacy')).toEqual({ endpointToken });
    expect(await links.clientIdForConsumerKey(consumerKey)).toBe('c_legacy');
    const prev = JSON.parse((await t.db('magento_links').first()).previous_working);
    expect(prev.consumer_key_hash).toBe(box.mac('magento-consumer-key', consumerKey));
    const states = createInteractionStateStore({ db: t.db, clock, box, ttlSeconds: 60 });
    expect((await states.load('uid-legacy'))?.csrfToken).toBe(csrf);
  });

  it('down: restores the previous columns and values', async () => {
    await t.db.migrate.down({ migrationSource: createMigrationSource({ box }), name: NEW_MIGRATION });
    const row = await t.db('magento_links').first();
    expect(row).toMatchObject({ endpoint_token: endpointToken, consumer_key_hash: legacyHash(consumerKey) });
    expect(row).not.toHaveProperty('endpoint_token_hash');
    expect(JSON.parse(row.previous_working).consumer_key_hash).toBe(legacyHash(consumerKey));
    expect((await t.db('interaction_states').first()).csrf_token).toBe(csrf);
  });
});
