import type { Knex } from 'knex';

// The admin console's own sign-in sessions (/admin): separate from the consent pages' provider
// sessions, with idle and absolute timeouts. Only a hash of the cookie's value is stored.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_console_sessions', (t) => {
    t.text('id_hash').primary(); // sha-256 of the cookie value, hex
    t.text('admin_id').notNullable().references('id').inTable('admins').onDelete('CASCADE');
    t.text('stage').notNullable(); // password_ok (awaiting the code) | active
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable(); // absolute end
    t.text('ip');
    t.string('country', 2);
    t.text('user_agent');
    t.index(['admin_id']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_console_sessions');
}
