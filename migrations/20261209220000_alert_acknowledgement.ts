import type { Knex } from 'knex';

// Issue 16, the console's alerts page: an owner acknowledges an alert (every outbox row of its
// incident), and it leaves the open list. Delivery is unaffected: acknowledged or not, it is sent.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('alert_outbox', (t) => {
    t.timestamp('acknowledged_at', { useTz: true });
    t.text('acknowledged_by'); // the console admin's username
  });
  await knex.raw('create index alert_outbox_open on alert_outbox (created_at) where acknowledged_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists alert_outbox_open');
  await knex.schema.alterTable('alert_outbox', (t) => {
    t.dropColumn('acknowledged_at');
    t.dropColumn('acknowledged_by');
  });
}
