import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admins', (t) => {
    t.text('id').primary();
    t.text('username').notNullable();
    t.text('password_hash').notNullable(); // argon2id, PHC string (parameters inside)
    t.text('totp_secret'); // sealed with the secret box, aad `admins:totp:<id>`; null → must enrol
    t.bigInteger('totp_last_step'); // last accepted 30 s step: a replayed code fails
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.boolean('disabled').notNullable().defaultTo(false);
    t.timestamp('last_login_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  // Case-insensitive uniqueness without the citext extension (PGlite lacks it by default).
  await knex.raw('create unique index admins_username_lower_unique on admins (lower(username))');

  await knex.schema.createTable('admin_recovery_codes', (t) => {
    t.bigIncrements('id').primary();
    t.text('admin_id').notNullable().references('id').inTable('admins').onDelete('CASCADE');
    t.text('code_hash').notNullable(); // keyed HMAC (secret box mac), bound to the admin
    t.timestamp('used_at', { useTz: true });
    t.unique(['admin_id', 'code_hash']);
  });

  // Server-side state of one login interaction (keyed by oidc-provider's interaction uid).
  await knex.schema.createTable('interaction_states', (t) => {
    t.text('uid').primary();
    t.text('csrf_token').notNullable();
    t.text('admin_id');
    t.text('stage').notNullable().defaultTo('start'); // start | password_ok
    t.text('pending_totp_secret'); // sealed; the secret shown on the enrolment page
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });

  // Fixed-window counters shared by every instance.
  await knex.schema.createTable('rate_limits', (t) => {
    t.text('key').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.integer('hits').notNullable().defaultTo(0);
    t.primary(['key', 'window_start']);
    t.index(['window_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limits');
  await knex.schema.dropTable('interaction_states');
  await knex.schema.dropTable('admin_recovery_codes');
  await knex.schema.dropTable('admins');
}
