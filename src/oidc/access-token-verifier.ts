import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { ClientStore } from '../clients/client-store.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { createInvalidatingCache } from '../db/invalidating-cache.js';
import { hashId } from './postgres-adapter.js';

export interface VerifiedAccessToken {
  clientId: string;
  scopes: string[];
  grantId: string | null;
  accountId?: string;
  /** Epoch seconds. */
  exp: number;
  format: 'opaque' | 'jwt';
  /** JWK SHA-256 thumbprint of the DPoP key the token is bound to (RFC 9449 `cnf.jkt`); null when unbound. */
  jkt: string | null;
}

type StoredToken = VerifiedAccessToken;

export interface AccessTokenVerifier {
  /** null when the token is unknown, expired, revoked, for another audience, or its client is disabled. */
  verify(token: string): Promise<VerifiedAccessToken | null>;
}

/**
 * How long a looked-up token or grant is believed while change notifications flow (they evict it
 * at once on revocation); without them the fallback lifetime applies.
 */
export const TOKEN_CACHE_LIVE_TTL_MS = 60_000;
/** Unknown `kid`s cost at most one key reload per this interval (garbage tokens cannot force more). */
export const KEY_RELOAD_INTERVAL_MS = 30_000;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * The one place that says whether an access token is good for the Magento API (the gateway
 * calls it; introspection applies the same rules to JWTs). Opaque tokens are looked up in
 * storage; JWTs (RFC 9068) are checked for signature, iss, aud, typ and exp, and — because a
 * JWT cannot be revoked by oidc-provider — for a still-existing grant.
 */
export function createAccessTokenVerifier(deps: {
  provider: Provider;
  clientStore: ClientStore;
  clock: Clock;
  /** The provider's signing keys (private parts are dropped here). */
  jwks: JWK[];
  issuer: string;
  audience: string;
  /**
   * Reads the current keys again: after `keys:rotate` another instance may sign with a key this
   * one has not loaded yet. Called on an unknown `kid`, at most every KEY_RELOAD_INTERVAL_MS.
   */
  reloadJwks?: () => Promise<JWK[]>;
  /** Evicts cached tokens and grants when their rows change, on any instance. */
  feed: ChangeFeed;
  /** How long answers are kept while the feed is not live (CACHE_FALLBACK_TTL_MS). */
  fallbackTtlMs: number;
}): AccessTokenVerifier {
  const { provider, clientStore, clock } = deps;
  const cacheOpts = {
    feed: deps.feed,
    tag: 'payload' as const,
    clock,
    liveTtlMs: TOKEN_CACHE_LIVE_TTL_MS,
    fallbackTtlMs: deps.fallbackTtlMs,
    max: 50_000,
  };
  // Keyed by the row id (hashId) the triggers name; a token's own value is never a key.
  const tokens = createInvalidatingCache<StoredToken | null>({ ...cacheOpts, name: 'access_tokens' });
  const grants = createInvalidatingCache<{ clientId: string } | null>({ ...cacheOpts, name: 'grants' });
  const publicSet = (jwks: JWK[]) =>
    createLocalJWKSet({
      keys: jwks.map((k) => Object.fromEntries(Object.entries(k).filter(([n]) => !PRIVATE_MEMBERS.includes(n))) as JWK),
    });
  let keySet = publicSet(deps.jwks);
  let knownKids = new Set(deps.jwks.map((k) => k.kid));
  let lastReload = 0;

  /** The key set, reloaded first when the token names a key we have not seen. */
  async function keysFor(token: string) {
    const { kid } = decodeProtectedHeader(token);
    if (kid && !knownKids.has(kid) && deps.reloadJwks && clock.now() - lastReload > KEY_RELOAD_INTERVAL_MS) {
      lastReload = clock.now();
      const jwks = await deps.reloadJwks();
      keySet = publicSet(jwks);
      knownKids = new Set(jwks.map((k) => k.kid));
    }
    return keySet;
  }

  async function grantAlive(grantId: string, clientId: string): Promise<boolean> {
    const grant = await grants.get(
      hashId(grantId),
      async () => {
        const found = await provider.Grant.find(grantId);
        return found?.clientId ? { clientId: found.clientId } : null;
      },
      // A missing grant is not remembered: it could be one being written right now.
      { expiresAt: (g) => (g ? Infinity : 0) },
    );
    return grant?.clientId === clientId;
  }

  async function verifyJwt(token: string): Promise<VerifiedAccessToken | null> {
    // Only a bad token answers null; a failing key store or database throws (the caller answers 503).
    try {
      if (decodeProtectedHeader(token).typ?.toLowerCase() !== 'at+jwt') return null;
    } catch {
      return null;
    }
    const keys = await keysFor(token);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: deps.issuer,
        audience: deps.audience,
        typ: 'at+jwt',
        algorithms: ['RS256', 'ES256', 'PS256'],
        currentDate: new Date(clock.now()),
        requiredClaims: ['exp', 'client_id'],
      }));
    } catch {
      return null;
    }
    const clientId = String(payload.client_id);
    const grantId = typeof payload.gid === 'string' ? payload.gid : null;
    if (!(await clientStore.isActive(clientId))) return null;
    if (grantId && !(await grantAlive(grantId, clientId))) return null;
    return {
      clientId,
      scopes: String(payload.scope ?? '')
        .split(' ')
        .filter(Boolean),
      grantId,
      // Client-credentials tokens have the client as subject, not an account.
      accountId: grantId && payload.sub ? payload.sub : undefined,
      exp: payload.exp!,
      format: 'jwt',
      jkt:
        typeof (payload.cnf as { jkt?: unknown } | undefined)?.jkt === 'string'
          ? (payload.cnf as { jkt: string }).jkt
          : null,
    };
  }

  /** The stored token as the API sees it; null when unknown, unusable or for another audience. */
  async function lookUpOpaque(token: string): Promise<StoredToken | null> {
    const found = (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
    if (!found || !found.isValid) return null;
    const aud = ([] as unknown[]).concat(found.aud ?? []);
    if (!aud.includes(deps.audience)) return null;
    return {
      clientId: found.clientId!,
      scopes: (found.scope ?? '').split(' ').filter(Boolean),
      grantId: (found as { grantId?: string }).grantId ?? null,
      accountId: (found as { accountId?: string }).accountId,
      exp: found.exp ?? 0,
      format: 'opaque',
      // oidc-provider keeps the DPoP binding of opaque tokens on the token itself.
      jkt: (found as { jkt?: string }).jkt ?? null,
    };
  }

  async function verifyOpaque(token: string): Promise<VerifiedAccessToken | null> {
    if (token.length > 512) return null;
    // Unknown tokens are not remembered (garbage must not fill the cache); good ones until they expire.
    const found = await tokens.get(hashId(token), () => lookUpOpaque(token), {
      expiresAt: (t) => (t ? t.exp * 1000 : 0),
    });
    if (!found || found.exp * 1000 <= clock.now()) return null;
    if (!(await clientStore.isActive(found.clientId))) return null;
    if (found.grantId && !(await grantAlive(found.grantId, found.clientId))) return null;
    return found;
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || !token) return null;
      return token.split('.').length === 3 ? verifyJwt(token) : verifyOpaque(token);
    },
  };
}
