import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSource } from '../../src/db/migrate.js';
import { createLinkStore } from '../../src/magento-link/link-store.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const MIGRATION = '20261203120000_magento_link_pending';

describe(`migration ${MIGRATION}`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
  });
  afterAll(() => t.destroy());

  it('gives a link caught mid-exchange by the upgrade its parked working credentials back', async () => {
    const before = {
      ...migrationSource,
      getMigrations: async (loadExtensions: readonly string[]) =>
        (await migrationSource.getMigrations(loadExtensions)).filter((n) => n < MIGRATION),
    };
    await t.db.migrate.latest({ migrationSource: before });
    const box = createSecretBox([randomBytes(32)]);
    const seal = (column: string, v: string) => box.seal(v, `magento_links:c_mid:${column}`);
    const working = {
      consumer_key_hash: 'hash-of-working-key',
      consumer_key_sealed: seal('consumer_key', 'k'.repeat(32)),
      consumer_secret_sealed: seal('consumer_secret', 's'.repeat(32)),
      access_token_sealed: seal('access_token', 't'.repeat(32)),
      access_token_secret_sealed: seal('access_token_secret', 'u'.repeat(32)),
      key_id: box.currentKeyId,
      mode: 'oauth1',
      status: 'active',
      confirmed_at: new Date('2026-11-30T10:00:00Z'),
      confirmed_by: 'store-owner',
    };
    // What the old recordActivation left while a (forged) activation was being exchanged.
    await t.db('magento_links').insert({
      client_id: 'c_mid',
      endpoint_token: 'tok',
      status: 'pending',
      consumer_key_hash: 'hash-of-forged-key',
      consumer_key_sealed: seal('consumer_key', 'f'.repeat(32)),
      consumer_secret_sealed: seal('consumer_secret', 'e'.repeat(32)),
      verifier_sealed: seal('verifier', 'd'.repeat(32)),
      previous_working: JSON.stringify(working),
    });
    await t
      .db('magento_links')
      .insert({ client_id: 'c_plain', endpoint_token: 'tok2', status: 'failed', last_error: 'x' });

    // Just this migration (later ones reshape the table further).
    await t.db.migrate.up({ migrationSource });
    expect((await t.db('knex_migrations').orderBy('id', 'desc').first()).name).toBe(MIGRATION);
    const row = await t.db('magento_links').where({ client_id: 'c_mid' }).first();
    expect(row).toMatchObject({
      status: 'active',
      consumer_key_hash: 'hash-of-working-key',
      verifier_sealed: null,
      previous_working: null,
      confirmed_by: 'store-owner',
      armed_until: null,
    });
    const links = createLinkStore({ db: t.db, box, clock: createFakeClock() });
    expect(await links.activeCredentials('c_mid')).toEqual({
      mode: 'oauth1',
      consumerKey: 'k'.repeat(32),
      consumerSecret: 's'.repeat(32),
      token: 't'.repeat(32),
      tokenSecret: 'u'.repeat(32),
    });
    expect(await t.db('magento_links').where({ client_id: 'c_plain' }).first()).toMatchObject({
      status: 'failed',
      last_error: 'x',
    });
  }, 120_000); // every migration runs inside this test (on PGlite that is most of a minute on a busy machine)
});
