import type { Knex } from 'knex';

// One Magento integration per OAuth client. Secrets are sealed (AES-256-GCM) under `key_id`;
// the consumer key is looked up by its hash because Magento sends it back in the identity link.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('magento_links', (t) => {
    t.text('client_id').primary();
    t.text('endpoint_token').notNullable().unique();
    t.text('store_base_url');
    t.text('consumer_key_hash');
    t.text('consumer_key_sealed');
    t.text('consumer_secret_sealed');
    t.text('verifier_sealed');
    t.text('access_token_sealed');
    t.text('access_token_secret_sealed');
    t.text('key_id');
    t.text('mode').notNullable().defaultTo('oauth1'); // oauth1 | bearer
    t.text('status').notNullable().defaultTo('pending'); // pending | awaiting_confirmation | active | failed | revoked
    t.text('last_error');
    t.timestamp('activation_received_at', { useTz: true });
    t.timestamp('confirmed_at', { useTz: true });
    t.text('confirmed_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['consumer_key_hash']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('magento_links');
}
