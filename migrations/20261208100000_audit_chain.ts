import type { Knex } from 'knex';

// Issue 15: the audit trail becomes tamper-evident. Each writer (one per process start) appends to
// its own hash chain (src/audit/audit-chain.ts); rows written before this migration keep null chain
// columns and are reported as unchained by audit:verify.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.text('chain_id');
    t.bigInteger('seq');
    t.text('prev_hash'); // the previous row's hash, or the chain's genesis value
    t.text('hash'); // sha256 hex over prev_hash and the row's canonical content
    // Also the index verify and prune walk a chain by.
    t.unique(['chain_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.dropUnique(['chain_id', 'seq']);
    for (const c of ['chain_id', 'seq', 'prev_hash', 'hash']) t.dropColumn(c);
  });
}
