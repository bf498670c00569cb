import type { Knex } from 'knex';

// Issue 15: every security event carries where it came from and what it touched, in columns an
// export and an alert rule can filter on (not buried in details).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.string('country', 2); // ISO 3166-1 alpha-2 from the bundled offline database, null if unknown
    t.text('user_agent');
    t.text('route'); // method + route pattern, never a raw path with ids or tokens
    t.integer('status');
    t.integer('duration_ms');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    for (const c of ['country', 'user_agent', 'route', 'status', 'duration_ms']) t.dropColumn(c);
  });
}
