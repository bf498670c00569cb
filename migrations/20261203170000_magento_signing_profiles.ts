import type { Knex } from 'knex';

// The Magento code line each client's store was found to run (MAGENTO_SIGNING_PROFILE=auto):
// the gateway signs that line's base string. Apart from magento_links: it is a finding about
// the store, re-made on a store upgrade, not part of the credentials.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('magento_signing_profiles', (t) => {
    t.text('client_id').primary().references('client_id').inTable('oauth_clients').onDelete('CASCADE');
    t.string('profile', 32).notNullable();
    t.timestamp('probed_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('magento_signing_profiles');
}
