import type { Knex } from 'knex';

// A rotated refresh token's row points at the row it replaced, so a replay within the reuse grace
// window can find the chain's live end (src/oidc/refresh-chain.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_payloads', (t) => {
    t.text('rotated_from');
    t.index(['model', 'rotated_from']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_payloads', (t) => {
    t.dropIndex(['model', 'rotated_from']);
    t.dropColumn('rotated_from');
  });
}
