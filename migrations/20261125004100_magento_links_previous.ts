import type { Knex } from 'knex';

// While a new activation's token exchange runs, the link's working credentials (still sealed,
// byte for byte) wait here so a failed exchange — e.g. a forged activation POST — restores them.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('magento_links', (t) => {
    t.text('previous_working');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('magento_links', (t) => {
    t.dropColumn('previous_working');
  });
}
