import type { Knex } from 'knex';

// Browser origins a client's apps call the token endpoint and the gateway from (exact origins).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.jsonb('cors_origins').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.dropColumn('cors_origins');
  });
}
