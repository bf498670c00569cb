import type { Knex } from 'knex';

// Passkeys (WebAuthn) of admins (issue 18): several per admin, each with its public key (COSE),
// signature counter, transports and the admin's name for it. The credential id is unique across
// all admins. Challenges are server-side, single-use rows bound to the interaction or console
// session that asked for them (the page only ever carries the public options).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('admin_passkeys', (t) => {
    t.text('id').primary();
    t.text('admin_id').notNullable().references('id').inTable('admins').onDelete('CASCADE');
    t.text('credential_id').notNullable().unique(); // base64url, as the browser reports it
    t.text('public_key').notNullable(); // COSE key, base64url
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.text('transports').notNullable().defaultTo(''); // comma-separated
    t.text('name').notNullable();
    t.boolean('backed_up').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.index(['admin_id']);
  });
  await knex.schema.createTable('admin_passkey_challenges', (t) => {
    // Who asked: `interaction:<uid>`, `console:<session hash>`…, and for what (register | sign_in | step_up).
    t.text('binding').notNullable();
    t.text('purpose').notNullable();
    t.text('admin_id').notNullable().references('id').inTable('admins').onDelete('CASCADE');
    t.text('challenge').notNullable();
    // For a registration after a code was verified: the factor that was (totp | recovery), else null.
    t.text('verified_by');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['binding', 'purpose']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('admin_passkey_challenges');
  await knex.schema.dropTable('admin_passkeys');
}
