import type { Knex } from 'knex';

// The client registry. Secrets are stored only as keyed hashes (see src/clients/secret-hasher.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_clients', (t) => {
    t.text('client_id').primary();
    t.text('name').notNullable();
    t.text('type').notNullable(); // confidential | public
    t.text('auth_method').notNullable(); // client_secret_basic | private_key_jwt | none
    t.jsonb('redirect_uris').notNullable().defaultTo('[]');
    t.jsonb('scopes').notNullable().defaultTo('[]');
    t.jsonb('grant_types').notNullable().defaultTo('[]');
    t.text('token_format').notNullable().defaultTo('opaque'); // opaque | jwt
    t.jsonb('lifetimes').notNullable().defaultTo('{}');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('contact');
    t.text('homepage');
    t.text('secret_hash');
    t.text('previous_secret_hash');
    t.timestamp('previous_secret_expires_at', { useTz: true });
    t.jsonb('jwks');
    t.text('jwks_uri');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('secret_rotated_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oauth_clients');
}
