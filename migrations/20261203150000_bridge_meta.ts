import type { Knex } from 'knex';

// Small facts about this installation, e.g. a value sealed with ENCRYPTION_KEY so a process started
// with another key (a CLI without the server's .env) is stopped before it writes unusable secrets.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bridge_meta', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bridge_meta');
}
