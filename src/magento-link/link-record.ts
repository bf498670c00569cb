// The magento_links row's public shapes: what admins see and what callers pass in.

export type LinkStatus = 'pending' | 'awaiting_confirmation' | 'active' | 'failed' | 'revoked';
export type LinkMode = 'oauth1' | 'bearer';

/** What may be shown to admins: never a secret. */
export interface LinkView {
  clientId: string;
  status: LinkStatus;
  mode: LinkMode;
  storeBaseUrl: string | null;
  lastError: string | null;
  activationReceivedAt: Date | null;
  confirmedAt: Date | null;
  confirmedBy: string | null;
  hasAccessToken: boolean;
  /** When the (re)link whose token exchange is still running was received; null when none. */
  pendingActivationAt: Date | null;
  keyId: string | null;
  updatedAt: Date;
}

export interface ConsumerCredentials {
  consumerKey: string;
  consumerSecret: string;
  verifier: string;
  storeBaseUrl: string;
  activationReceivedAt: Date;
}

export interface UpstreamCredentials {
  mode: LinkMode;
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/** Names one activation POST: re-authorization keeps the consumer key but brings a new verifier. */
export interface ActivationRef {
  consumerKey: string;
  verifier: string;
}

/** A `magento_links` row (migrations/2026112500400* and later); secrets sealed under `key_id`. */
export interface MagentoLinkRow {
  client_id: string;
  endpoint_token_hash: string | null;
  endpoint_token_sealed: string | null;
  store_base_url: string | null;
  consumer_key_hash: string | null;
  consumer_key_sealed: string | null;
  consumer_secret_sealed: string | null;
  verifier_sealed: string | null;
  access_token_sealed: string | null;
  access_token_secret_sealed: string | null;
  key_id: string | null;
  mode: 'oauth1' | 'bearer';
  status: 'pending' | 'awaiting_confirmation' | 'active' | 'failed' | 'revoked';
  last_error: string | null;
  activation_received_at: Date | string | null;
  confirmed_at: Date | string | null;
  confirmed_by: string | null;
  previous_working: string | Record<string, unknown> | null;
  armed_until: Date | string | null;
  pending_consumer_key_hash: string | null;
  pending_consumer_key_sealed: string | null;
  pending_consumer_secret_sealed: string | null;
  pending_verifier_sealed: string | null;
  pending_store_base_url: string | null;
  pending_received_at: Date | string | null;
  pending_confirmed_at: Date | string | null;
  pending_confirmed_by: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** A row as admins may see it. */
export function toView(r: MagentoLinkRow): LinkView {
  return {
    clientId: r.client_id,
    status: r.status,
    mode: r.mode,
    // A first link's store is known from its pending activation already (the popup shows it).
    storeBaseUrl: r.store_base_url ?? r.pending_store_base_url ?? null,
    lastError: r.last_error,
    activationReceivedAt: r.activation_received_at ? new Date(r.activation_received_at) : null,
    confirmedAt: r.confirmed_at ? new Date(r.confirmed_at) : null,
    confirmedBy: r.confirmed_by,
    hasAccessToken: !!r.access_token_sealed,
    pendingActivationAt: r.pending_received_at ? new Date(r.pending_received_at) : null,
    keyId: r.key_id,
    updatedAt: new Date(r.updated_at),
  };
}
