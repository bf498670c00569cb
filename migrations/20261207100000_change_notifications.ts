import type { Knex } from 'knex';

// Every instance caches tokens, grants, clients and Magento links in memory; these triggers tell
// all of them (LISTEN bridge_changes, src/db/change-feed.ts) when such a row changes, whoever
// wrote it: another instance, the CLI, or SQL by hand. The payload is "<tag>:<key>".
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function bridge_notify_change() returns trigger language plpgsql as $$
    declare
      old_key text;
      new_key text;
    begin
      if TG_OP <> 'INSERT' then old_key := to_jsonb(OLD) ->> TG_ARGV[1]; end if;
      if TG_OP <> 'DELETE' then new_key := to_jsonb(NEW) ->> TG_ARGV[1]; end if;
      if old_key is not null then perform pg_notify('bridge_changes', TG_ARGV[0] || ':' || old_key); end if;
      if new_key is not null and new_key is distinct from old_key then
        perform pg_notify('bridge_changes', TG_ARGV[0] || ':' || new_key);
      end if;
      return null;
    end $$
  `);
  // Only the models the gateway caches; sessions and interactions change on every page.
  await knex.raw(`
    create trigger oidc_payloads_changed after update or delete on oidc_payloads for each row
    when (OLD.model in ('AccessToken', 'ClientCredentials', 'Grant'))
    execute function bridge_notify_change('payload', 'id')
  `);
  await knex.raw(`
    create trigger oauth_clients_changed after insert or update or delete on oauth_clients for each row
    execute function bridge_notify_change('client', 'client_id')
  `);
  for (const table of ['magento_links', 'magento_signing_profiles']) {
    await knex.raw(`
      create trigger ${table}_changed after insert or update or delete on ${table} for each row
      execute function bridge_notify_change('link', 'client_id')
    `);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [trigger, table] of [
    ['oidc_payloads_changed', 'oidc_payloads'],
    ['oauth_clients_changed', 'oauth_clients'],
    ['magento_links_changed', 'magento_links'],
    ['magento_signing_profiles_changed', 'magento_signing_profiles'],
  ])
    await knex.raw(`drop trigger if exists ${trigger} on ${table}`);
  await knex.raw('drop function if exists bridge_notify_change()');
}
