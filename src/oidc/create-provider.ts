import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { SecretBox } from '../security/secret-box.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientStore } from '../clients/client-store.js';
import { OIDC_SCOPES } from '../clients/oidc-scopes.js';
import { createAdapterFactory } from './postgres-adapter.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { providerPageHeaders } from './provider-page-headers.js';
import { createClientAdapter } from './client-adapter.js';
import { clientMetadataRules } from './client-metadata-rules.js';
import { withRefreshReuseGrace } from './refresh-reuse-guard.js';
import { createRefreshChain } from './refresh-chain.js';
import { grantPolicies, resourceIndicatorsConfig, ttlConfig } from './token-policies.js';
import { attachOAuthAuditEvents, recordGraceReuse } from './oauth-audit-events.js';
import { oauthEndpointGuards } from './oauth-endpoint-guards.js';
import type { AccessTokenVerifier } from './access-token-verifier.js';
import { discoveryAlias } from './discovery-alias.js';
import { offlineAccessPrompt } from './offline-access-prompt.js';
import { discoveryScopes } from './discovery-scopes.js';
import { burnFailedCode } from './burn-failed-code.js';
import { clientEndpointLimits } from './client-endpoint-limits.js';
import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import type { BlockList } from '../rate-limits/block-list.js';
import { clientExtra, currentContext, useClientSecretCheck } from './provider-internals.js';

export interface ProviderDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  jwks: JWK[];
  /** Seals Session and Interaction payloads at rest. */
  box: SecretBox;
  clientStore: ClientStore;
  /** The bearer-token check (built next to the provider, which it reads): introspection and revocation guards. */
  verifier: () => AccessTokenVerifier;
  audit: AuditLog;
  /** API (resource) scope names: the scope catalog's. */
  apiScopes: readonly string[];
  /** Evicts cached access tokens when their rows change (any instance); without it nothing is cached. */
  changes?: ChangeFeed;
  findAccount?: Configuration['findAccount'];
  /** Prompts and checks of the interaction pages (src/pages/sign-in/interaction-policy.ts). */
  interactionPolicy?: NonNullable<Configuration['interactions']>['policy'];
  /**
   * The HTML error page of browser-facing endpoints (src/pages/provider-error); oidc-provider's plain one when absent.
   */
  renderError?: Configuration['renderError'];
  /** Rate limits and blocks of the client-authenticating endpoints (none in tests that build a bare provider). */
  limits?: { limiter: RateLimiter; blocks: BlockList };
}

/** Assembles oidc-provider with our storage, keys, clients and token rules; no development defaults survive. */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, db, clock, clientStore, audit } = deps;
  const pgAdapters = createAdapterFactory({ db, clock });
  const configuration: Configuration = {
    adapter: createAdapterFactory({
      db,
      clock,
      box: deps.box,
      cache: deps.changes ? { feed: deps.changes, fallbackTtlMs: config.cacheFallbackTtlMs } : undefined,
      overrides: {
        Client: createClientAdapter({ clientStore, production: config.production, apiScopes: deps.apiScopes }),
        RefreshToken: (name) =>
          withRefreshReuseGrace(pgAdapters(name), {
            clock,
            graceMs: config.refreshReuseGraceS * 1000,
            audience: config.apiAudience,
            chain: createRefreshChain({ db, clock }),
            onGraceReuse: (grantId, clientId, successor) =>
              recordGraceReuse(audit, currentContext(), grantId, clientId, successor),
          }),
      },
    }),
    // Private JWKs from our key store; never oidc-provider's development keys.
    jwks: { keys: deps.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: [...config.cookieKeys],
      long: { secure: config.production, sameSite: 'lax' },
      short: { secure: config.production, sameSite: 'lax' },
    },
    findAccount: deps.findAccount ?? (async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) })),
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      ...(deps.interactionPolicy ? { policy: deps.interactionPolicy } : {}),
    },
    ...clientMetadataRules(),
    // JWT access tokens carry their grant id, so the gateway can refuse them once it is revoked.
    extraTokenClaims: async (_ctx, token) => {
      const t = token as { resourceServer?: { accessTokenFormat?: string }; grantId?: string };
      return t.resourceServer?.accessTokenFormat === 'jwt' && t.grantId ? { gid: t.grantId } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      // RFC 7662's resource-server model: any confidential client may introspect (public ones are
      // refused in oauthEndpointGuards). Holding a token already lets one use it, so this reveals
      // little; revocation, though, is only for the token's own client (RFC 7009 §2.1).
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientAuthMethod !== 'none' },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          // Unauthenticated callers learn nothing (answered 200, nothing revoked); others are told.
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      registration: { enabled: false },
      encryption: { enabled: false },
      resourceIndicators: resourceIndicatorsConfig(config),
      // RFC 9449 (the gateway checks the proofs: src/gateway/dpop-proof.ts) and RFC 9126; each client
      // may require them (dpop_bound_access_tokens, require_pushed_authorization_requests). No nonces.
      dPoP: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
    },
    ...grantPolicies(config),
    // Browser calls to the token endpoint (and revocation, introspection): only from origins the client lists.
    clientBasedCORS: (_ctx, origin, client) => (clientExtra<string[]>(client, 'cors_origins') ?? []).includes(origin),
    ...(deps.renderError ? { renderError: deps.renderError } : {}),
    ttl: ttlConfig(config, clock),
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;

  // Secrets are stored as keyed hashes: compare against the hash (and the previous secret during its overlap).
  useClientSecretCheck(provider, (clientId, secret) => clientStore.verifySecret(clientId, secret));

  if (deps.limits)
    provider.use(
      clientEndpointLimits({
        ...deps.limits,
        clients: clientStore,
        audit,
        clock,
        limits: config.securityOps.rateLimits,
      }) as Parameters<Provider['use']>[0],
    );
  provider.use(providerPageHeaders({ production: config.production }));
  provider.use(discoveryAlias());
  provider.use(offlineAccessPrompt());
  provider.use(discoveryScopes([...OIDC_SCOPES, ...deps.apiScopes]) as Parameters<Provider['use']>[0]);
  provider.use(burnFailedCode(provider) as Parameters<Provider['use']>[0]);
  provider.use(
    oauthEndpointGuards({
      clientStore,
      audit,
      verifier: deps.verifier,
      audience: config.apiAudience,
      issuer: config.issuer,
    }) as Parameters<Provider['use']>[0],
  );
  attachOAuthAuditEvents(provider, audit);
  provider.on('server_error', (_ctx: unknown, err: Error) =>
    deps.logger.error('oidc-provider server error', {
      err: { name: err.name, message: err.message, stack: err.stack },
    }),
  );
  return provider;
}

export type { Provider, KoaContextWithOIDC };
