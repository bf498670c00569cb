import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from './config/config.js';
import type { Db } from './db/create-db.js';
import type { Clock } from './clock.js';
import type { Logger } from './logging/logger.js';
import { createSecretBox, type SecretBox } from './security/secret-box.js';
import { createKeyStore, type KeyStore } from './oidc/key-store.js';
import { createProvider } from './oidc/create-provider.js';
import type { AccessTokenVerifier } from './oidc/access-token-verifier.js';
import { createClientStore, type ClientStore } from './clients/client-store.js';
import { createClientMetadataCheck } from './oidc/client-metadata-check.js';
import { createApp } from './app.js';
import { createAuditLog, type AuditLog } from './audit/audit-log.js';
import { createMagentoServices, type MagentoServices } from './magento-link/create-magento-services.js';
import { activationRoutes } from './magento-link/activation-routes.js';
import { identityLinkRoutes } from './pages/identity-link/identity-link-routes.js';
import type { HandshakeOptions } from './magento-link/integration-handshake.js';
import { describeScope } from './api-catalog/describe-scope.js';
import { createFindAccount } from './admins/find-account.js';
import { createProviderErrorRenderer } from './pages/provider-error/render-provider-error.js';
import { createInteractionPolicy } from './pages/sign-in/interaction-policy.js';
import { interactionRoutes } from './pages/sign-in/interaction-routes.js';
import { gatewayRoutes } from './gateway/gateway-routes.js';
import { createUpstreamAgent } from './gateway/forward-to-magento.js';
import { clientCorsPolicy } from './gateway/gateway-cors.js';
import { linkCredentialSource } from './gateway/link-credential-source.js';
import { createSigningProfileSelector, type SigningProfileSelector } from './magento-link/signing-profile-selector.js';
import { createDpopProofVerifier } from './gateway/dpop-proof.js';
import { createDpopReplayCache } from './gateway/dpop-replay-cache.js';

export interface RuntimeDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  isShuttingDown?: () => boolean;
  /** Tests shorten the Magento handshake's retry delays. */
  handshake?: Omit<HandshakeOptions, 'activatedAt'>;
}

export interface Runtime {
  app: Koa;
  provider: Provider;
  box: SecretBox;
  keyStore: KeyStore;
  audit: AuditLog;
  magento: MagentoServices;
  /** The client registry (create/update/disable/rotate-secret…). */
  clients: ClientStore;
  /** Whether a bearer token is good for the Magento API (opaque or JWT; revocation-aware). */
  accessTokenVerifier: AccessTokenVerifier;
  /** Which Magento code line each link's store runs (MAGENTO_SIGNING_PROFILE). */
  signingProfiles: SigningProfileSelector;
  /** Waits up to `waitMs` for Magento token exchanges, then drops the pool to Magento. */
  close(waitMs?: number): Promise<void>;
}

/** Wires services together over an open, migrated database. Shared by main.ts and the tests. */
export async function buildRuntime(deps: RuntimeDeps): Promise<Runtime> {
  const { config, db, clock, logger } = deps;
  const box = createSecretBox(config.encryptionKeys);
  const audit = createAuditLog({ db, clock, logger });
  const magento = createMagentoServices({ config, db, box, clock, audit, logger, handshake: deps.handshake });
  const keyStore = createKeyStore({ db, box });
  const jwks = await keyStore.ensureKeys();
  // API scope names come from the scope catalog (SCOPES_FILE or the default one).
  const apiScopes = [...magento.catalog.scopes.keys()];
  const checkMetadata = createClientMetadataCheck({ production: config.production, apiScopes });
  const clientStore = createClientStore({ db, clock, config, apiScopes, checkMetadata, audit });
  const { provider, verifier: accessTokenVerifier } = createProvider({
    config, db, clock, logger, jwks, box, clientStore, audit, apiScopes, reloadJwks: () => keyStore.loadPrivateJwks(),
    findAccount: createFindAccount(db),
    interactionPolicy: createInteractionPolicy(),
    renderError: createProviderErrorRenderer({ cache: config.production, brandName: config.brandName }),
  });
  const interactions = interactionRoutes({
    provider, db, clock, box, audit, config,
    describeScope: (name) => describeScope(name, magento.catalog),
    linkStatus: async (clientId) => {
      const link = await magento.links.get(clientId);
      return { state: !link ? 'none' : link.status === 'awaiting_confirmation' ? 'pending' : link.status };
    },
  });
  const identityLink = identityLinkRoutes({
    db, box, clock, config, audit, links: magento.links,
    clientName: async (clientId) => (await clientStore.get(clientId))?.name ?? null,
  });
  const upstreamAgent = createUpstreamAgent(config.gateway);
  const signingProfiles = createSigningProfileSelector({
    db, setting: config.magentoSigningProfile, magentoBaseUrl: config.magentoBaseUrl, dispatcher: upstreamAgent, audit, clock, logger,
  });
  const gateway = gatewayRoutes({
    magentoBaseUrl: config.magentoBaseUrl,
    matcher: magento.matcher,
    catalog: magento.catalog,
    verifier: accessTokenVerifier,
    dpop: createDpopProofVerifier({ issuer: config.issuer, clock, maxAgeS: config.gateway.dpopProofMaxAgeS, replay: createDpopReplayCache({ db, clock }) }),
    requiresDpop: async (clientId) => (await clientStore.findCached(clientId))?.requireDpop === true,
    upstream: linkCredentialSource(magento.links, signingProfiles),
    dispatcher: upstreamAgent,
    audit,
    limits: config.gateway,
    cors: clientCorsPolicy(clientStore),
  });
  const app = createApp({
    config, db, logger, provider,
    routers: [activationRoutes({ ...magento, db, clock, audit, limit: config.activationRateLimit }), identityLink, interactions, gateway],
    isShuttingDown: deps.isShuttingDown,
  });
  return {
    app, provider, box, keyStore, audit, magento, clients: clientStore, accessTokenVerifier, signingProfiles,
    close: async (waitMs = config.shutdownTimeoutMs) => {
      // A Magento token exchange cut off mid-way leaves the link pending until Reauthorize.
      await Promise.race([Promise.all([magento.activation.idle(), signingProfiles.idle()]), new Promise((r) => setTimeout(r, waitMs).unref())]);
      await upstreamAgent.destroy();
    },
  };
}
