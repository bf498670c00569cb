import type { Knex } from 'knex';

// DPoP at the gateway (RFC 9449): proofs seen, shared by every instance so a proof replayed to
// another instance is refused too. Rows are kept only while a proof's iat is within the window.
// Clients may also require DPoP-bound tokens and pushed authorization requests (PAR).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dpop_proof_replays', (t) => {
    t.text('key').primary(); // sha256(jkt, jti): bounded size, no raw client input stored
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.boolean('require_dpop').notNullable().defaultTo(false);
    t.boolean('require_par').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    t.dropColumn('require_dpop');
    t.dropColumn('require_par');
  });
  await knex.schema.dropTable('dpop_proof_replays');
}
