import type { Knex } from 'knex';

// A (re)link in progress lives beside the link's working credentials, never in them: the gateway
// keeps signing with the working ones until Magento has issued the new access token.
// `armed_until`: an admin asked for the Endpoint URL (magento:link-urls), so until then a POST
// with a consumer key this link does not know yet is accepted (once it succeeds, the arm is used).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('magento_links', (t) => {
    t.timestamp('armed_until', { useTz: true });
    t.text('pending_consumer_key_hash');
    t.text('pending_consumer_key_sealed');
    t.text('pending_consumer_secret_sealed');
    t.text('pending_verifier_sealed');
    t.text('pending_store_base_url');
    t.timestamp('pending_received_at', { useTz: true });
    // The Identity Link popup may be confirmed before the pending exchange finishes.
    t.timestamp('pending_confirmed_at', { useTz: true });
    t.text('pending_confirmed_by');
    t.index(['pending_consumer_key_hash']);
  });
  // Links caught mid-exchange by the upgrade get their working credentials back: the old code had
  // parked them in `previous_working` (sealed values byte for byte, same row and column names).
  const parked = await knex('magento_links').select('client_id', 'previous_working').whereNotNull('previous_working');
  for (const r of parked as { client_id: string; previous_working: string }[]) {
    await knex('magento_links')
      .where({ client_id: r.client_id })
      .update({ ...JSON.parse(r.previous_working), verifier_sealed: null, previous_working: null });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('magento_links', (t) => {
    t.dropIndex(['pending_consumer_key_hash']);
    for (const c of [
      'armed_until',
      'pending_consumer_key_hash',
      'pending_consumer_key_sealed',
      'pending_consumer_secret_sealed',
      'pending_verifier_sealed',
      'pending_store_base_url',
      'pending_received_at',
      'pending_confirmed_at',
      'pending_confirmed_by',
    ])
      t.dropColumn(c);
  });
}
