import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { MigrationContext } from '../src/db/migrate.js';

// Secrets that were still in clear: Magento's endpoint token (it authenticates the activation
// POST and the identity link page) and the CSRF tokens of sign-in forms. Each is now sealed with
// AAD naming its row and column; the endpoint token is found by a keyed hash (HMAC). The consumer
// key's lookup hash becomes keyed too. Purposes and AAD must match link-store.ts and
// interaction-state.ts: the tests read migrated rows through those stores.
const ENDPOINT_MAC = 'magento-endpoint-token';
const CONSUMER_MAC = 'magento-consumer-key';
const linkAad = (clientId: string, column: string) => `magento_links:${clientId}:${column}`;
const csrfAad = (uid: string) => `interaction_states:${uid}:csrf_token`;
const legacyConsumerHash = (key: string) => createHash('sha256').update(`magento-consumer:${key}`).digest('base64url');

function requireBox(ctx: MigrationContext, table: string) {
  if (!ctx.box)
    throw new Error(
      `migration 20261203140000: ${table} has rows to seal, which needs the encryption key; run it ` +
        `through the server or the db:migrate command`,
    );
  return ctx.box;
}

type ConsumerHash = (clientId: string, consumerKeySealed: string) => string;

/** previous_working keeps a link's working columns as JSON: its consumer key hash follows suit. */
function rehashPrevious(previous: string | null, clientId: string, hash: ConsumerHash): string | null {
  if (!previous) return previous;
  const p = JSON.parse(previous) as Record<string, unknown>;
  if (typeof p.consumer_key_sealed === 'string') p.consumer_key_hash = hash(clientId, p.consumer_key_sealed);
  return JSON.stringify(p);
}

export async function up(knex: Knex, ctx: MigrationContext = {}): Promise<void> {
  await knex.schema.alterTable('magento_links', (t) => {
    t.text('endpoint_token_hash');
    t.text('endpoint_token_sealed');
  });
  // A re-link in progress (migration 20261203120000, when it ran first) is found by its consumer key too.
  const pending = await knex.schema.hasColumn('magento_links', 'pending_consumer_key_sealed');
  const links = await knex('magento_links').select(
    'client_id',
    'endpoint_token',
    'consumer_key_sealed',
    'previous_working',
    ...(pending ? ['pending_consumer_key_sealed'] : []),
  );
  if (links.length) {
    const box = requireBox(ctx, 'magento_links');
    const hash: ConsumerHash = (clientId, sealed) =>
      box.mac(CONSUMER_MAC, box.open(sealed, linkAad(clientId, 'consumer_key')));
    for (const r of links) {
      await knex('magento_links')
        .where({ client_id: r.client_id })
        .update({
          endpoint_token_hash: box.mac(ENDPOINT_MAC, r.endpoint_token),
          endpoint_token_sealed: box.seal(r.endpoint_token, linkAad(r.client_id, 'endpoint_token')),
          consumer_key_hash: r.consumer_key_sealed ? hash(r.client_id, r.consumer_key_sealed) : null,
          ...(pending
            ? {
                pending_consumer_key_hash: r.pending_consumer_key_sealed
                  ? box.mac(
                      CONSUMER_MAC,
                      box.open(r.pending_consumer_key_sealed, linkAad(r.client_id, 'pending_consumer_key')),
                    )
                  : null,
              }
            : {}),
          previous_working: rehashPrevious(r.previous_working, r.client_id, hash),
        });
    }
  }
  await knex.schema.alterTable('magento_links', (t) => {
    t.dropColumn('endpoint_token');
    t.unique(['endpoint_token_hash']);
  });
  await knex.raw(
    'alter table magento_links alter column endpoint_token_hash set not null, alter column ' +
      'endpoint_token_sealed set not null',
  );

  await knex.schema.alterTable('interaction_states', (t) => {
    t.text('csrf_token_sealed');
  });
  const states = await knex('interaction_states').select('uid', 'csrf_token');
  if (states.length) {
    const box = requireBox(ctx, 'interaction_states');
    for (const s of states) {
      await knex('interaction_states')
        .where({ uid: s.uid })
        .update({ csrf_token_sealed: box.seal(s.csrf_token, csrfAad(s.uid)) });
    }
  }
  await knex.schema.alterTable('interaction_states', (t) => {
    t.dropColumn('csrf_token');
  });
  await knex.raw('alter table interaction_states alter column csrf_token_sealed set not null');
}

export async function down(knex: Knex, ctx: MigrationContext = {}): Promise<void> {
  await knex.schema.alterTable('interaction_states', (t) => {
    t.text('csrf_token');
  });
  const states = await knex('interaction_states').select('uid', 'csrf_token_sealed');
  if (states.length) {
    const box = requireBox(ctx, 'interaction_states');
    for (const s of states) {
      await knex('interaction_states')
        .where({ uid: s.uid })
        .update({ csrf_token: box.open(s.csrf_token_sealed, csrfAad(s.uid)) });
    }
  }
  await knex.schema.alterTable('interaction_states', (t) => {
    t.dropColumn('csrf_token_sealed');
  });
  await knex.raw('alter table interaction_states alter column csrf_token set not null');

  await knex.schema.alterTable('magento_links', (t) => {
    t.text('endpoint_token');
  });
  const pending = await knex.schema.hasColumn('magento_links', 'pending_consumer_key_sealed');
  const links = await knex('magento_links').select(
    'client_id',
    'endpoint_token_sealed',
    'consumer_key_sealed',
    'previous_working',
    ...(pending ? ['pending_consumer_key_sealed'] : []),
  );
  if (links.length) {
    const box = requireBox(ctx, 'magento_links');
    const hash: ConsumerHash = (clientId, sealed) =>
      legacyConsumerHash(box.open(sealed, linkAad(clientId, 'consumer_key')));
    for (const r of links) {
      await knex('magento_links')
        .where({ client_id: r.client_id })
        .update({
          endpoint_token: box.open(r.endpoint_token_sealed, linkAad(r.client_id, 'endpoint_token')),
          consumer_key_hash: r.consumer_key_sealed ? hash(r.client_id, r.consumer_key_sealed) : null,
          ...(pending
            ? {
                pending_consumer_key_hash: r.pending_consumer_key_sealed
                  ? legacyConsumerHash(
                      box.open(r.pending_consumer_key_sealed, linkAad(r.client_id, 'pending_consumer_key')),
                    )
                  : null,
              }
            : {}),
          previous_working: rehashPrevious(r.previous_working, r.client_id, hash),
        });
    }
  }
  await knex.schema.alterTable('magento_links', (t) => {
    t.dropUnique(['endpoint_token_hash']);
    t.dropColumn('endpoint_token_hash');
    t.dropColumn('endpoint_token_sealed');
    t.unique(['endpoint_token']);
  });
  await knex.raw('alter table magento_links alter column endpoint_token set not null');
}
