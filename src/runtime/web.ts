import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { createApp } from '../app.js';
import { createProvider } from '../oidc/create-provider.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../oidc/access-token-verifier.js';
import { createFindAccount } from '../admins/find-account.js';
import { describeScope } from '../api-catalog/describe-scope.js';
import { activationRoutes } from '../magento-link/activation-routes.js';
import { identityLinkRoutes } from '../pages/identity-link/identity-link-routes.js';
import { createInteractionPolicy } from '../pages/sign-in/interaction-policy.js';
import { interactionRoutes } from '../pages/sign-in/interaction-routes.js';
import { passkeyBrowserAssets } from '../pages/sign-in/passkey-assets.js';
import { passkeysPage } from '../pages/admin-console/passkeys-page.js';
import { createProviderErrorRenderer } from '../pages/provider-error/render-provider-error.js';
import { gatewayRoutes } from '../gateway/gateway-routes.js';
import { consoleRoutes } from '../pages/admin-console/console-routes.js';
import { consolePages } from './console-pages.js';
import { doctorPage } from '../pages/admin-console/doctor-page.js';
import { consoleDoctor } from '../diagnostics/run-doctor.js';
import { clientCorsPolicy } from '../gateway/gateway-cors.js';
import { linkCredentialSource } from '../gateway/link-credential-source.js';
import { createDpopProofVerifier } from '../gateway/dpop-proof.js';
import { createDpopReplayCache } from '../gateway/dpop-replay-cache.js';
import type { Services } from './services.js';
import { metricsEndpoint } from '../metrics/metrics-endpoint.js';
import { requestGate } from '../rate-limits/request-gate.js';
import { gatewayAccessCheck } from '../gateway/client-access-check.js';

export interface Web {
  app: Koa;
  provider: Provider;
  accessTokenVerifier: AccessTokenVerifier;
}

/** The HTTP side over the services: the OAuth engine, the pages, the gateway, in one Koa app. */
export async function createWeb(s: Services, opts: { isShuttingDown: () => boolean }): Promise<Web> {
  const { config, db, clock, logger, box, audit, catalog, links } = s;
  const jwks = await s.keyStore.ensureKeys();
  let accessTokenVerifier: AccessTokenVerifier | undefined;
  const provider = createProvider({
    config,
    db,
    clock,
    logger,
    jwks,
    box,
    audit,
    clientStore: s.clients,
    apiScopes: s.apiScopes,
    changes: s.changes,
    verifier: () => accessTokenVerifier!,
    findAccount: createFindAccount(s.admins.core.store),
    interactionPolicy: createInteractionPolicy(),
    renderError: createProviderErrorRenderer({ cache: config.production, brandName: config.brandName }),
    limits: { limiter: s.limiter, blocks: s.blocks },
  });
  accessTokenVerifier = createAccessTokenVerifier({
    provider,
    clientStore: s.clients,
    clock,
    jwks,
    reloadJwks: () => s.keyStore.loadPrivateJwks(),
    issuer: config.issuer,
    audience: config.apiAudience,
    feed: s.changes,
    fallbackTtlMs: config.cacheFallbackTtlMs,
  });
  const interactions = interactionRoutes({
    provider,
    db,
    clock,
    box,
    audit,
    config,
    auth: s.admins.auth,
    limiter: s.limiter,
    passkeys: s.admins.passkeys,
    assetExtras: passkeyBrowserAssets(),
    describeScope: (name) => describeScope(name, catalog),
    linkStatus: async (clientId) => {
      const link = await links.get(clientId);
      return { state: !link ? 'none' : link.status === 'awaiting_confirmation' ? 'pending' : link.status };
    },
  });
  const identityLink = identityLinkRoutes({
    db,
    box,
    clock,
    config,
    audit,
    links,
    auth: s.admins.auth,
    limiter: s.limiter,
    passkeys: s.admins.passkeys,
    clientName: async (clientId) => (await s.clients.get(clientId))?.name ?? null,
  });
  const dpop = createDpopProofVerifier({
    issuer: config.issuer,
    clock,
    maxAgeS: config.gateway.dpopProofMaxAgeS,
    replay: createDpopReplayCache({ db, clock }),
  });
  const gateway = gatewayRoutes({
    magentoBaseUrl: config.magentoBaseUrl,
    matcher: s.matcher,
    catalog,
    verifier: accessTokenVerifier,
    dpop,
    requiresDpop: async (clientId) => (await s.clients.findCached(clientId))?.requireDpop === true,
    upstream: linkCredentialSource({
      links,
      profiles: s.signingProfiles,
      feed: s.changes,
      clock,
      fallbackTtlMs: config.cacheFallbackTtlMs,
    }),
    dispatcher: s.upstreamAgent,
    audit,
    limits: config.gateway,
    cors: clientCorsPolicy(s.clients),
    metrics: s.metrics,
    access: gatewayAccessCheck({
      client: (clientId) => s.clients.findCached(clientId),
      limiter: s.limiter,
      blocks: s.blocks,
      clock,
      defaultLimit: config.securityOps.rateLimits.gatewayPerClient,
      failOpen: config.securityOps.rateLimits.failOpen.gateway,
    }),
  });
  const activation = activationRoutes({
    links,
    activation: s.activation,
    limiter: s.limiter,
    audit,
    limit: config.activationRateLimit,
  });
  const adminConsole = consoleRoutes({
    db,
    clock,
    config,
    audit,
    auth: s.admins.auth,
    sessions: s.admins.console,
    limiter: s.limiter,
    passkeys: s.admins.passkeys,
    pages: [
      ...consolePages(s),
      // The doctor's token check runs through this very app (built below).
      doctorPage({ doctor: consoleDoctor({ services: s, oauthApp: async () => app.callback() }) }),
      passkeysPage({ config, passkeys: s.admins.passkeys, limiter: s.limiter, audit }),
    ],
  });
  const app = createApp({
    config,
    db,
    logger,
    provider,
    routers: [activation, identityLink, interactions, adminConsole, gateway],
    gate: requestGate({ blocks: s.blocks, audit, clock, denyCountries: config.securityOps.geoDenyCountries }),
    metrics: config.metrics.token
      ? metricsEndpoint(
          { contentType: s.metrics.registry.contentType, read: () => s.metrics.registry.metrics() },
          config.metrics.token,
        )
      : undefined,
    isShuttingDown: opts.isShuttingDown,
  });
  return { app, provider, accessTokenVerifier };
}
