import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  toView,
  type ActivationRef,
  type ConsumerCredentials,
  type LinkMode,
  type LinkStatus,
  type LinkView,
  type MagentoLinkRow,
  type UpstreamCredentials,
} from './link-record.js';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';

export * from './link-record.js';

const TABLE = 'magento_links';
const SECRET_COLUMNS = [
  'consumer_key_sealed',
  'consumer_secret_sealed',
  'verifier_sealed',
  'access_token_sealed',
  'access_token_secret_sealed',
] as const;
/** The (re)link in progress: kept beside the working columns until Magento issues its token. */
const PENDING_COLUMNS = [
  'pending_consumer_key_hash',
  'pending_consumer_key_sealed',
  'pending_consumer_secret_sealed',
  'pending_verifier_sealed',
  'pending_store_base_url',
  'pending_received_at',
  'pending_confirmed_at',
  'pending_confirmed_by',
] as const;
const NO_PENDING = Object.fromEntries(PENDING_COLUMNS.map((c) => [c, null]));
// Magento's oauth/consumer/expiration_period: past it a pending exchange can no longer succeed.
export const CONSUMER_WINDOW_MS = 300_000;
/** How long `magento:link-urls` keeps the Endpoint URL open for a new integration's activation. */
export const ARM_WINDOW_MS = 3600_000;

/** Why an activation POST was not recorded (nothing was changed). */
export type ActivationRefusal = 'no_link' | 'not_armed' | 'in_progress';
export type ActivationDecision =
  { accepted: true; via: 'linked_consumer' | 'armed' } | { accepted: false; reason: ActivationRefusal };

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

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
  const open = (clientId: string, column: string, sealed: string | null) => {
    if (sealed === null) throw new Error(`${TABLE}.${column}_sealed of ${clientId} is empty`);
    return box.open(sealed, `${TABLE}:${clientId}:${column}`);
  };
  const hashConsumerKey = (key: string) => box.mac(CONSUMER_MAC, key);
  /** Constant-time, and under every configured key (rows hashed before a key rotation). */
  const isConsumerKeyOf = (stored: unknown, key: string) =>
    typeof stored === 'string' &&
    box
      .macCandidates(CONSUMER_MAC, key)
      .some((h) => h.length === stored.length && timingSafeEqual(Buffer.from(h), Buffer.from(stored)));

  /** The activation a token exchange belongs to is still the link's pending one. */
  const isCurrentActivation = (
    clientId: string,
    r: MagentoLinkRow | undefined,
    a: ActivationRef,
  ): r is MagentoLinkRow => {
    if (!r || !isConsumerKeyOf(r.pending_consumer_key_hash, a.consumerKey) || !r.pending_verifier_sealed) return false;
    return open(clientId, 'pending_verifier', r.pending_verifier_sealed) === a.verifier;
  };
  /** Working credentials the gateway uses (or will, once confirmed). */
  const hasWorking = (r: MagentoLinkRow) =>
    !!r.access_token_sealed && (r.status === 'active' || r.status === 'awaiting_confirmation');
  /** A pending exchange younger than Magento's consumer window may still be running somewhere. */
  const exchangeRunning = (r: MagentoLinkRow) =>
    !!r.pending_received_at && clock.now() - new Date(r.pending_received_at).getTime() < CONSUMER_WINDOW_MS;
  /** Re-authorization: Magento posts the linked integration's own key and secret again. */
  const isLinkedConsumer = (clientId: string, r: MagentoLinkRow, key: string, secret: string) =>
    hasWorking(r) &&
    isConsumerKeyOf(r.consumer_key_hash, key) &&
    sameSecret(open(clientId, 'consumer_secret', r.consumer_secret_sealed), secret);

  return {
    /** Creates the link row (and its unguessable endpoint token) on first use. */
    async ensure(clientId: string): Promise<{ endpointToken: string }> {
      const endpointToken = randomBytes(24).toString('base64url');
      await db(TABLE)
        .insert({
          client_id: clientId,
          endpoint_token_hash: box.mac(ENDPOINT_MAC, endpointToken),
          endpoint_token_sealed: seal(clientId, 'endpoint_token', endpointToken),
        })
        .onConflict('client_id')
        .ignore();
      const row = await db(TABLE).select('endpoint_token_sealed').where({ client_id: clientId }).first();
      return { endpointToken: open(clientId, 'endpoint_token', row.endpoint_token_sealed) };
    },

    /** Every link, for the admin's overview (magento:list). */
    async list(): Promise<LinkView[]> {
      return (await db(TABLE).orderBy('client_id')).map(toView);
    },

    async get(clientId: string): Promise<LinkView | null> {
      const r = await db(TABLE).where({ client_id: clientId }).first();
      return r ? toView(r) : null;
    },

    async clientIdForEndpoint(endpointToken: string): Promise<string | null> {
      const r = await db(TABLE)
        .select('client_id')
        .whereIn('endpoint_token_hash', box.macCandidates(ENDPOINT_MAC, endpointToken))
        .first();
      return r?.client_id ?? null;
    },

    async clientIdForConsumerKey(consumerKey: string): Promise<string | null> {
      const hashes = box.macCandidates(CONSUMER_MAC, consumerKey);
      // The pending one too: Magento opens the Identity Link popup right after its POST.
      const r = await db(TABLE)
        .select('client_id')
        .whereIn('consumer_key_hash', hashes)
        .orWhereIn('pending_consumer_key_hash', hashes)
        .first();
      return r?.client_id ?? null;
    },

    /** `magento:link-urls` gave an admin the Endpoint URL: a new integration may activate for a while. */
    async arm(clientId: string): Promise<Date> {
      const until = new Date(clock.now() + ARM_WINDOW_MS);
      await db(TABLE).where({ client_id: clientId }).update({ armed_until: until, updated_at: now() });
      return until;
    },

    /**
     * Activation or re-authorization, recorded beside the working credentials (which the gateway
     * keeps using). Accepted only for the linked integration's own key and secret (Reauthorize)
     * or while an admin's `magento:link-urls` armed the link, and never while another exchange
     * runs. A refusal changes nothing, so a forged POST (leaked endpoint URL) cannot cut the app off.
     */
    async recordActivation(
      clientId: string,
      c: Omit<ConsumerCredentials, 'activationReceivedAt'>,
    ): Promise<ActivationDecision> {
      return db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        if (!r) return { accepted: false, reason: 'no_link' } as const;
        const via = isLinkedConsumer(clientId, r, c.consumerKey, c.consumerSecret)
          ? 'linked_consumer'
          : r.armed_until && new Date(r.armed_until).getTime() > clock.now()
            ? 'armed'
            : null;
        if (!via) return { accepted: false, reason: 'not_armed' } as const;
        if (exchangeRunning(r)) return { accepted: false, reason: 'in_progress' } as const;
        await trx(TABLE)
          .where({ client_id: clientId })
          .update({
            pending_consumer_key_hash: hashConsumerKey(c.consumerKey),
            pending_consumer_key_sealed: seal(clientId, 'pending_consumer_key', c.consumerKey),
            pending_consumer_secret_sealed: seal(clientId, 'pending_consumer_secret', c.consumerSecret),
            pending_verifier_sealed: seal(clientId, 'pending_verifier', c.verifier),
            pending_store_base_url: c.storeBaseUrl,
            pending_received_at: now(),
            pending_confirmed_at: null,
            pending_confirmed_by: null,
            updated_at: now(),
          });
        return { accepted: true, via } as const;
      });
    },

    /** Links whose token exchange was received after `since` and never finished (process died). */
    async unfinishedExchanges(since: Date): Promise<string[]> {
      const rows = await db(TABLE)
        .select('client_id')
        .whereNotNull('pending_verifier_sealed')
        .where('pending_received_at', '>', since);
      return rows.map((r: { client_id: string }) => r.client_id);
    },

    async consumerCredentials(clientId: string): Promise<ConsumerCredentials | null> {
      const r = await db(TABLE).where({ client_id: clientId }).first();
      if (!r?.pending_consumer_key_sealed || !r.pending_verifier_sealed) return null;
      return {
        consumerKey: open(clientId, 'pending_consumer_key', r.pending_consumer_key_sealed),
        consumerSecret: open(clientId, 'pending_consumer_secret', r.pending_consumer_secret_sealed),
        verifier: open(clientId, 'pending_verifier', r.pending_verifier_sealed),
        storeBaseUrl: r.pending_store_base_url,
        activationReceivedAt: new Date(r.pending_received_at),
      };
    },

    /**
     * Magento issued the access token: the pending activation becomes the link's working
     * credentials in one UPDATE — unless a newer activation or an import replaced it meanwhile.
     * Re-authorization keeps Magento's consumer key, so the verifier names the activation.
     */
    async storeAccessToken(
      clientId: string,
      activation: ActivationRef,
      t: { token: string; tokenSecret: string },
    ): Promise<boolean> {
      return db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        if (!isCurrentActivation(clientId, r, activation)) return false;
        await trx(TABLE)
          .where({ client_id: clientId })
          .update({
            store_base_url: r.pending_store_base_url,
            consumer_key_hash: r.pending_consumer_key_hash,
            consumer_key_sealed: seal(
              clientId,
              'consumer_key',
              open(clientId, 'pending_consumer_key', r.pending_consumer_key_sealed),
            ),
            consumer_secret_sealed: seal(
              clientId,
              'consumer_secret',
              open(clientId, 'pending_consumer_secret', r.pending_consumer_secret_sealed),
            ),
            access_token_sealed: seal(clientId, 'access_token', t.token),
            access_token_secret_sealed: seal(clientId, 'access_token_secret', t.tokenSecret),
            verifier_sealed: null,
            key_id: box.currentKeyId,
            // A new integration is used only once an admin confirmed it (maybe already, in the popup).
            status: (r.pending_confirmed_at ? 'active' : 'awaiting_confirmation') satisfies LinkStatus,
            confirmed_at: r.pending_confirmed_at,
            confirmed_by: r.pending_confirmed_by,
            activation_received_at: r.pending_received_at,
            last_error: null,
            previous_working: null,
            armed_until: null,
            ...NO_PENDING,
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
        if (hasWorking(r)) {
          // The failed activation never replaced anything: the link goes on as it was.
          const lastError = `${error.slice(0, 900)} — the previous credentials are still in use`;
          await trx(TABLE)
            .where({ client_id: clientId })
            .update({ ...NO_PENDING, last_error: lastError, updated_at: now() });
          return true;
        }
        await trx(TABLE)
          .where({ client_id: clientId })
          .update({ ...NO_PENDING, status: 'failed', last_error: error.slice(0, 1000), updated_at: now() });
        return true;
      });
    },

    /**
     * The admin's confirmation on the identity link page; activates once the token is in. The
     * popup follows Magento's POST, so a running exchange for that consumer is what it confirms
     * (shown as `pending` until Magento has issued the token).
     */
    async confirm(clientId: string, consumerKey: string, by: string): Promise<LinkView | null> {
      return db.transaction(async (trx) => {
        const r = await trx(TABLE).where({ client_id: clientId }).forUpdate().first();
        if (r && isConsumerKeyOf(r.pending_consumer_key_hash, consumerKey) && exchangeRunning(r)) {
          await trx(TABLE)
            .where({ client_id: clientId })
            .update({ pending_confirmed_at: now(), pending_confirmed_by: by, updated_at: now() });
          return { ...toView(await trx(TABLE).where({ client_id: clientId }).first()), status: 'pending' };
        }
        if (!r || !isConsumerKeyOf(r.consumer_key_hash, consumerKey)) return null;
        const status: LinkStatus = r.access_token_sealed ? 'active' : r.status;
        await trx(TABLE)
          .where({ client_id: clientId })
          .update({ confirmed_at: now(), confirmed_by: by, status, updated_at: now() });
        return toView(await trx(TABLE).where({ client_id: clientId }).first());
      });
    },

    /** Manual "Save & Activate" path: credentials typed by an admin, verified by the caller. */
    async importActive(clientId: string, c: UpstreamCredentials & { storeBaseUrl: string }, by: string): Promise<void> {
      await db(TABLE)
        .where({ client_id: clientId })
        .update({
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
          ...NO_PENDING,
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
      await db(TABLE)
        .where({ client_id: clientId })
        .update({
          ...cleared,
          consumer_key_hash: null,
          previous_working: null,
          ...NO_PENDING,
          armed_until: null,
          status: 'revoked',
          updated_at: now(),
        });
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
