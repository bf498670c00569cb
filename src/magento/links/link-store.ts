import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  toView,
  type ActivationRef, type ConsumerCredentials, type LinkMode, type LinkStatus, type LinkView, type UpstreamCredentials,
} from './link-record.js';
import type { Db } from '../../db/create-db.js';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../security/secret-box.js';

export * from './link-record.js';

const TABLE = 'magento_links';
/** The columns that make a link usable; kept aside while a new activation is exchanged. */
const WORKING_COLUMNS = [
  'consumer_key_hash', 'consumer_key_sealed', 'consumer_secret_sealed', 'access_token_sealed',
  'access_token_secret_sealed', 'key_id', 'mode', 'status', 'confirmed_at', 'confirmed_by',
] as const;
const SECRET_COLUMNS = ['consumer_key_sealed', 'consumer_secret_sealed', 'verifier_sealed', 'access_token_sealed', 'access_token_secret_sealed'] as const;
/** Keyed-hash purposes of the values links are looked up by (the migration 20261203140000 uses the same). */
const ENDPOINT_MAC = 'magento-endpoint-token';
const CONSUMER_MAC = 'magento-consumer-key';


/**
 * Magento links, one per OAuth client. Every secret is sealed with AAD naming its row and
 * column, so a ciphertext copied into another client's row does not open. Values a request
 * looks a link up by (endpoint token, consumer key) are also stored as a keyed hash (HMAC).
 */
export function createLinkStore(deps: { db: Db; box: SecretBox; clock: Clock }) {
  const { db, box, clock } = deps;
  const now = () => new Date(clock.now());
  const seal = (clientId: string, column: string, value: string) => box.seal(value, `${TABLE}:${clientId}:${column}`);
  const open = (clientId: string, column: string, sealed: string) => box.open(sealed, `${TABLE}:${clientId}:${column}`);
  const hashConsumerKey = (key: string) => box.mac(CONSUMER_MAC, key);
  /** Constant-time, and under every configured key (rows hashed before a key rotation). */
  const isConsumerKeyOf = (stored: unknown, key: string) =>
    typeof stored === 'string' && box.macCandidates(CONSUMER_MAC, key).some((h) => h.length === stored.length && timingSafeEqual(Buffer.from(h), Buffer.from(stored)));

  /** The activation a token exchange belongs to is still the link's current one. */
  const isCurrentActivation = (clientId: string, r: Record<string, any> | undefined, a: ActivationRef): r is Record<string, any> => {
    if (!r || !isConsumerKeyOf(r.consumer_key_hash, a.consumerKey) || !r.verifier_sealed) return false;
    return open(clientId, 'verifier', r.verifier_sealed) === a.verifier;
  };

  /** The confirmed, exchanged state is the only one the gateway may use. */
  const statusAfterTokens = (confirmedAt: unknown): LinkStatus => (confirmedAt ? 'active' : 'awaiting_confirmation');

  return {
    /** Creates the link row (and its unguessable endpoint token) on first use. */
    async ensure(clientId: string): Promise<{ endpointToken: string }> {
      const endpointToken = randomBytes(24).toString('base64url');
      await db(TABLE)
        .insert({ client_id: clientId, endpoint_token_hash: box.mac(ENDPOINT_MAC, endpointToken), endpoint_token_sealed: seal(clientId, 'endpoint_token', endpointToken) })
        .onConflict('client_id')
        .ignore();
      const row = await db(TABLE).select('endpoint_token_sealed').where({ client_id: clientId }).first();
      return { endpointToken: open(clientId, 'endpoint_token', row.endpoint_token_sealed) };
    },

    async get(clientId: string): Promise<LinkView | null> {
      const r = await db(TABLE).where({ client_id: clientId }).first();
      return r ? toView(r) : null;
    },

    async clientIdForEndpoint(endpointToken: string): Promise<string | null> {
      const r = await db(TABLE).select('client_id').whereIn('endpoint_token_hash', box.macCandidates(ENDPOINT_MAC, endpointToken)).first();
      return r?.client_id ?? null;
    },

    async clientIdForConsumerKey(consumerKey: string): Promise<string | null> {
      const r = await db(TABLE).select('client_id').whereIn('consumer_key_hash', box.macCandidates(CONSUMER_MAC, consumerKey)).first();
      return r?.client_id ?? null;
    },

    /**
     * Activation or re-authorization: the new credentials replace the old ones in one UPDATE.
     * A link that works keeps its credentials aside until the new exchange succeeds, so a POST
     * that Magento never sent (the endpoint URL leaked) cannot cut the app off.
     */
    async recordActivation(clientId: string, c: Omit<ConsumerCredentials, 'activationReceivedAt'>): Promise<void> {
      await db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        const working = r?.access_token_sealed && (r.status === 'active' || r.status === 'awaiting_confirmation');
        const previous = working ? JSON.stringify(Object.fromEntries(WORKING_COLUMNS.map((k) => [k, r[k]]))) : (r?.previous_working ?? null);
        await trx(TABLE).where({ client_id: clientId }).update({
          previous_working: previous,
          store_base_url: c.storeBaseUrl,
          consumer_key_hash: hashConsumerKey(c.consumerKey),
          consumer_key_sealed: seal(clientId, 'consumer_key', c.consumerKey),
          consumer_secret_sealed: seal(clientId, 'consumer_secret', c.consumerSecret),
          verifier_sealed: seal(clientId, 'verifier', c.verifier),
          access_token_sealed: null,
          access_token_secret_sealed: null,
          key_id: box.currentKeyId,
          status: 'pending',
          last_error: null,
          activation_received_at: now(),
          // A new integration must be confirmed again by an admin before it is used.
          confirmed_at: null,
          confirmed_by: null,
          updated_at: now(),
        });
      });
    },

    /** Links whose token exchange was received after `since` and never finished (process died). */
    async unfinishedExchanges(since: Date): Promise<string[]> {
      const rows = await db(TABLE).select('client_id').where({ status: 'pending' }).whereNotNull('verifier_sealed').where('activation_received_at', '>', since);
      return rows.map((r: { client_id: string }) => r.client_id);
    },

    async consumerCredentials(clientId: string): Promise<ConsumerCredentials | null> {
      const r = await db(TABLE).where({ client_id: clientId }).first();
      if (!r?.consumer_key_sealed || !r.verifier_sealed) return null;
      return {
        consumerKey: open(clientId, 'consumer_key', r.consumer_key_sealed),
        consumerSecret: open(clientId, 'consumer_secret', r.consumer_secret_sealed),
        verifier: open(clientId, 'verifier', r.verifier_sealed),
        storeBaseUrl: r.store_base_url,
        activationReceivedAt: new Date(r.activation_received_at),
      };
    },

    /**
     * Stores the exchanged token, but only if no newer activation replaced this one meanwhile.
     * Re-authorization keeps Magento's consumer key, so the verifier names the activation.
     */
    async storeAccessToken(clientId: string, activation: ActivationRef, t: { token: string; tokenSecret: string }): Promise<boolean> {
      return db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        if (!isCurrentActivation(clientId, r, activation)) return false;
        await trx(TABLE).where({ client_id: clientId }).update({
          access_token_sealed: seal(clientId, 'access_token', t.token),
          access_token_secret_sealed: seal(clientId, 'access_token_secret', t.tokenSecret),
          verifier_sealed: null,
          key_id: box.currentKeyId,
          status: statusAfterTokens(r.confirmed_at),
          last_error: null,
          previous_working: null,
          updated_at: now(),
        });
        return true;
      });
    },

    /** Records a failed exchange; a stale one (superseded activation) changes nothing. */
    async markFailed(clientId: string, activation: ActivationRef | null, error: string): Promise<boolean> {
      return db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        if (!r || (activation && !isCurrentActivation(clientId, r, activation))) return false;
        if (r.previous_working) {
          // The failed activation never replaced anything: the link goes on as it was.
          const restored = JSON.parse(r.previous_working) as Record<string, unknown>;
          const lastError = `${error.slice(0, 900)} — the previous credentials are still in use`;
          await trx(TABLE).where({ client_id: clientId }).update({ ...restored, verifier_sealed: null, previous_working: null, last_error: lastError, updated_at: now() });
          return true;
        }
        await trx(TABLE).where({ client_id: clientId }).update({ status: 'failed', last_error: error.slice(0, 1000), updated_at: now() });
        return true;
      });
    },

    /** The admin's confirmation on the identity link page; activates once the token is in. */
    async confirm(clientId: string, consumerKey: string, by: string): Promise<LinkView | null> {
      return db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        if (!r || !isConsumerKeyOf(r.consumer_key_hash, consumerKey)) return null;
        const status: LinkStatus = r.access_token_sealed ? 'active' : r.status;
        await trx(TABLE).where({ client_id: clientId }).update({ confirmed_at: now(), confirmed_by: by, status, updated_at: now() });
        return toView(await trx(TABLE).where({ client_id: clientId }).first());
      });
    },

    /** Manual "Save & Activate" path: credentials typed by an admin, verified by the caller. */
    async importActive(clientId: string, c: UpstreamCredentials & { storeBaseUrl: string }, by: string): Promise<void> {
      await db(TABLE).where({ client_id: clientId }).update({
        store_base_url: c.storeBaseUrl,
        consumer_key_hash: hashConsumerKey(c.consumerKey),
        consumer_key_sealed: seal(clientId, 'consumer_key', c.consumerKey),
        consumer_secret_sealed: seal(clientId, 'consumer_secret', c.consumerSecret),
        verifier_sealed: null,
        access_token_sealed: seal(clientId, 'access_token', c.token),
        access_token_secret_sealed: seal(clientId, 'access_token_secret', c.tokenSecret),
        key_id: box.currentKeyId,
        mode: c.mode,
        status: 'active',
        last_error: null,
        previous_working: null,
        confirmed_at: now(),
        confirmed_by: by,
        updated_at: now(),
      });
    },

    async setMode(clientId: string, mode: LinkMode): Promise<void> {
      await db(TABLE).where({ client_id: clientId }).update({ mode, updated_at: now() });
    },

    /** Forgets every secret; the app's calls fail with 503 until the store links it again. */
    async revoke(clientId: string): Promise<void> {
      const cleared = Object.fromEntries(SECRET_COLUMNS.map((c) => [c, null]));
      await db(TABLE).where({ client_id: clientId }).update({ ...cleared, consumer_key_hash: null, previous_working: null, status: 'revoked', updated_at: now() });
    },

    async activeCredentials(clientId: string): Promise<UpstreamCredentials | null> {
      const r = await db(TABLE).where({ client_id: clientId, status: 'active' }).first();
      if (!r?.access_token_sealed) return null;
      return {
        mode: r.mode,
        consumerKey: open(clientId, 'consumer_key', r.consumer_key_sealed),
        consumerSecret: open(clientId, 'consumer_secret', r.consumer_secret_sealed),
        token: open(clientId, 'access_token', r.access_token_sealed),
        tokenSecret: open(clientId, 'access_token_secret', r.access_token_secret_sealed),
      };
    },
  };
}

export type LinkStore = ReturnType<typeof createLinkStore>;
