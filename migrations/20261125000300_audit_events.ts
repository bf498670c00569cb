import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('type').notNullable();
    t.text('outcome').notNullable(); // success | failure | denied | info
    t.text('actor'); // admin username, client id or "system"
    t.text('client_id');
    t.text('grant_id');
    t.text('ip');
    t.text('request_id');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['at']);
    t.index(['type', 'at']);
    t.index(['client_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
}
