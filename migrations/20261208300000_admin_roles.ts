import type { Knex } from 'knex';

// Admin roles for the console: `owner` may do everything, `auditor` reads and exports only.
// Existing admins were all-powerful before roles existed, so they become owners.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('admins', (t) => {
    t.text('role').notNullable().defaultTo('owner');
  });
  await knex.raw(`alter table admins add constraint admins_role_check check (role in ('owner', 'auditor'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('admins', (t) => {
    t.dropColumn('role');
  });
}
