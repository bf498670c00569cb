import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { ClientStore } from '../clients/client-store.js';

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

export interface AccessTokenVerifier {
  /** null when the token is unknown, expired, revoked, for another audience, or its client is disabled. */
  verify(token: string): Promise<VerifiedAccessToken | null>;
}

/** How long "this grant still exists" is believed; revocation reaches every instance within it. */
export const GRANT_CHECK_TTL_MS = 3000;
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
}): AccessTokenVerifier {
  const { provider, clientStore, clock } = deps;
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
  const grants = new Map<string, { alive: boolean; until: number }>();

  async function grantAlive(grantId: string, clientId: string): Promise<boolean> {
    const hit = grants.get(grantId);
    if (hit && hit.until > clock.now()) return hit.alive;
    const grant = await provider.Grant.find(grantId);
    const alive = Boolean(grant && grant.clientId === clientId);
    if (grants.size > 50_000) grants.clear();
    grants.set(grantId, { alive, until: clock.now() + GRANT_CHECK_TTL_MS });
    return alive;
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

  async function verifyOpaque(token: string): Promise<VerifiedAccessToken | null> {
    if (token.length > 512) return null;
    const found = (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
    if (!found || !found.isValid) return null;
    const exp = found.exp ?? 0;
    if (exp * 1000 <= clock.now()) return null;
    const aud = ([] as unknown[]).concat(found.aud ?? []);
    if (!aud.includes(deps.audience)) return null;
    const clientId = found.clientId!;
    if (!(await clientStore.isActive(clientId))) return null;
    const grantId = (found as { grantId?: string }).grantId ?? null;
    if (grantId && !(await grantAlive(grantId, clientId))) return null;
    return {
      clientId,
      scopes: (found.scope ?? '').split(' ').filter(Boolean),
      grantId,
      accountId: (found as { accountId?: string }).accountId,
      exp,
      format: 'opaque',
      // oidc-provider keeps the DPoP binding of opaque tokens on the token itself.
      jkt: (found as { jkt?: string }).jkt ?? null,
    };
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || !token) return null;
      return token.split('.').length === 3 ? verifyJwt(token) : verifyOpaque(token);
    },
  };
}
