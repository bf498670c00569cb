import type { Knex } from 'knex';

// Issue 15, anomaly alerts: a durable outbox (a restart loses no alert, a webhook outage delays
// them), the dedup marks every instance checks, the evaluator's cursor over audit_events, and the
// origins (networks, countries) each client and admin has been seen from.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alert_outbox', (t) => {
    t.text('id').primary(); // the delivery id (X-Bridge-Delivery)
    t.text('rule').notNullable();
    t.text('dedup_key').notNullable();
    t.jsonb('payload').notNullable(); // the webhook body, as sent
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true }); // gave up after ALERT_WEBHOOK_MAX_ATTEMPTS
    t.text('last_error');
    t.index(['created_at']);
  });
  await knex.raw(
    'create index alert_outbox_due on alert_outbox (next_attempt_at) where delivered_at is null and failed_at is null',
  );
  // One row per incident key: an upsert that only succeeds past the window is the cross-instance dedup.
  await knex.schema.createTable('alert_dedup', (t) => {
    t.text('dedup_key').primary();
    t.timestamp('raised_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('alert_cursor', (t) => {
    t.text('name').primary();
    t.bigInteger('last_event_id').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  // Start at today's end of the trail: rules judge what happens from now on, not years of history.
  await knex.raw(
    `insert into alert_cursor (name, last_event_id, updated_at)
     select 'evaluator', coalesce(max(id), 0), now() from audit_events`,
  );
  await knex.schema.createTable('alert_origins', (t) => {
    t.text('subject').notNullable(); // a client id or an admin's username
    t.text('kind').notNullable(); // client_network | client_country | admin_country
    t.text('value').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable();
    t.primary(['subject', 'kind', 'value']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['alert_origins', 'alert_cursor', 'alert_dedup', 'alert_outbox']) {
    await knex.schema.dropTable(table);
  }
}
