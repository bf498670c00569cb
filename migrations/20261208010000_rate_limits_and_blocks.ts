import type { Knex } from 'knex';

// Issue 15: rate-limiter-flexible's PostgreSQL store (its own table shape), blocks of abusive IPs and
// clients shared by every instance, and each client's access rules (rate limit, IP and country lists,
// hours). The old fixed-window table gives way to the library's.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limiter_counters', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire');
    t.index(['expire']);
  });
  await knex.schema.dropTableIfExists('rate_limits');

  await knex.schema.createTable('security_blocks', (t) => {
    t.bigIncrements('id').primary();
    t.text('subject_kind').notNullable(); // ip | client
    t.text('subject').notNullable();
    t.text('reason').notNullable();
    // all: every request of the subject; token: only the client-authenticating endpoints (a client whose
    // secret is being guessed keeps its gateway calls).
    t.text('scope').notNullable().defaultTo('all');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('created_by').notNullable(); // "system" (automatic) or the admin who blocked
    t.timestamp('cleared_at', { useTz: true });
    t.text('cleared_by');
    t.index(['expires_at']);
  });
  // Every instance keeps the active blocks in memory; this tells them all when one changes.
  await knex.raw(`
    create trigger security_blocks_changed after insert or update or delete on security_blocks for each row
    execute function bridge_notify_change('block', 'subject')
  `);

  await knex.schema.alterTable('oauth_clients', (t) => {
    t.text('rate_limit'); // "600/min"; null: GATEWAY_RATE_LIMIT
    t.jsonb('allowed_ips').notNullable().defaultTo('[]'); // CIDRs; empty: any address
    t.jsonb('allowed_countries').notNullable().defaultTo('[]'); // ISO codes; empty: any country
    t.jsonb('denied_countries').notNullable().defaultTo('[]');
    t.text('active_hours'); // "08:00-18:00 Europe/Berlin"; null: any time
    // When the "secret older than CLIENT_SECRET_MAX_AGE_DAYS" alert went out for the current secret.
    t.timestamp('secret_age_alerted_at', { useTz: true });
  });
  // tokens:stats follows a grant's tokens through the trail (issued, refreshed, used at the gateway).
  await knex.raw('create index audit_events_grant_id_index on audit_events (grant_id) where grant_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_clients', (t) => {
    for (const c of ['rate_limit', 'allowed_ips', 'allowed_countries', 'denied_countries', 'active_hours'])
      t.dropColumn(c);
    t.dropColumn('secret_age_alerted_at');
  });
  await knex.raw('drop index if exists audit_events_grant_id_index');
  await knex.raw('drop trigger if exists security_blocks_changed on security_blocks');
  await knex.schema.dropTable('security_blocks');
  await knex.schema.dropTable('rate_limiter_counters');
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.integer('hits').notNullable().defaultTo(0);
    t.primary(['key', 'window_start']);
    t.index(['window_start']);
  });
}
