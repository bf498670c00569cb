import { randomBytes } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientMetadataInput } from '../clients/client-record.js';
import type { ClientStore } from '../clients/client-store.js';
import { OIDC_SCOPES } from '../clients/oidc-scopes.js';
import { applicationTypeFor } from '../clients/redirect-uri-rules.js';

/** Client metadata of our own, carried through oidc-provider (see extraClientMetadata). */
export const EXTRA_CLIENT_METADATA = ['api_scopes', 'token_format', 'lifetimes', 'cors_origins'] as const;

/**
 * oidc-provider's `Client` model served from the client registry (read-only: dynamic
 * registration is off). A disabled or unknown client is simply not found → invalid_client.
 */
export function createClientAdapter(deps: {
  clientStore: ClientStore;
  production: boolean;
  apiScopes: readonly string[];
}): (name: string) => Adapter {
  // The schema wants a client_secret for secret-based auth; the real check is the hash
  // (compareClientSecret is overridden), and nothing that uses the clear secret is enabled.
  const placeholder = `unused-${randomBytes(32).toString('base64url')}`;
  const apiScopes = new Set(deps.apiScopes);
  const readOnly = async () => {
    throw new Error('the Client model is read-only: manage clients with `npm run cli -- clients:*`');
  };
  return () => ({
    async find(id: string): Promise<AdapterPayload | undefined> {
      const client = await deps.clientStore.findCached(id);
      if (!client?.enabled) return undefined;
      return toMetadata(client, { placeholder, production: deps.production, apiScopes }) as AdapterPayload;
    },
    upsert: readOnly,
    consume: readOnly,
    destroy: readOnly,
    revokeByGrantId: async () => undefined,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  });
}

/** oidc-provider metadata of a registry client (also what the registry validates on write). */
export function toMetadata(
  c: ClientMetadataInput,
  o: { placeholder: string; production: boolean; apiScopes: Set<string> },
): Record<string, unknown> {
  const code = c.grantTypes.includes('authorization_code');
  const staticScopes = c.scopes.filter((s) => OIDC_SCOPES.includes(s));
  return {
    client_id: c.clientId,
    client_name: c.name,
    ...(c.authMethod === 'client_secret_basic' ? { client_secret: o.placeholder, client_secret_expires_at: 0 } : {}),
    token_endpoint_auth_method: c.authMethod,
    grant_types: c.grantTypes,
    response_types: code ? ['code'] : [],
    redirect_uris: c.redirectUris,
    application_type: code ? safeApplicationType(c.redirectUris, o.production) : 'web',
    // The allow-list for openid/offline_access; API scopes are limited by the resource server.
    scope: staticScopes.length ? staticScopes.join(' ') : undefined,
    ...(c.contact ? { contacts: [c.contact] } : {}),
    ...(c.homepage ? { client_uri: c.homepage } : {}),
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
    // Enforced by oidc-provider: a proof at /token (and PAR's dpop_jkt), the PAR endpoint for /auth.
    dpop_bound_access_tokens: c.requireDpop,
    require_pushed_authorization_requests: c.requirePar,
    api_scopes: c.scopes.filter((s) => o.apiScopes.has(s)),
    token_format: c.tokenFormat,
    lifetimes: c.lifetimes,
    cors_origins: c.corsOrigins,
  };
}

// Rows were validated on write; if a rule tightened since (e.g. production), oidc-provider's own
// redirect URI validation still refuses the client instead of this lookup failing with a 500.
function safeApplicationType(uris: string[], production: boolean): 'web' | 'native' {
  try {
    return applicationTypeFor(uris, { production });
  } catch {
    return 'web';
  }
}
