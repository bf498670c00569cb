import type { Agent } from 'undici';
import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { createSecretBox, type SecretBox } from '../security/secret-box.js';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { createRateLimiter, type RateLimiter } from '../rate-limits/rate-limiter.js';
import { createLimiterBackend } from '../rate-limits/limiter-backend.js';
import { createBlockList, type BlockList } from '../rate-limits/block-list.js';
import { loadAclResources } from '../api-catalog/acl-resources.js';
import { loadRoutes, type RouteDefinition } from '../api-catalog/route-table.js';
import { createRouteMatcher, type RouteMatcher } from '../api-catalog/route-matcher.js';
import { loadScopeCatalog, type ScopeCatalog } from '../api-catalog/scope-catalog.js';
import { createClientStore, type ClientStore } from '../clients/client-store.js';
import { createClientMetadataCheck } from '../oidc/client-metadata-check.js';
import { createKeyStore, type KeyStore } from '../oidc/key-store.js';
import { createGrantAdmin, type GrantAdmin } from '../oidc/grant-admin.js';
import { createAdminCore, type AdminCore } from '../admins/admin-deps.js';
import { createAdminManagement, type AdminManagement } from '../admins/admin-management.js';
import { createAdminAuth, type AdminAuth } from '../admins/admin-auth.js';
import { createAdminSessions, type AdminSessions } from '../admins/admin-sessions.js';
import { createConsoleSessions, type ConsoleSessions } from '../admins/console-sessions.js';
import { createPasskeyService, type PasskeyService } from '../admins/passkey-service.js';
import { createLinkStore, type LinkStore } from '../magento-link/link-store.js';
import { createLinkActivation, type LinkActivation } from '../magento-link/link-activation.js';
import type { HandshakeOptions } from '../magento-link/integration-handshake.js';
import { createSigningProfileSelector, type SigningProfileSelector } from '../magento-link/signing-profile-selector.js';
import { createUpstreamAgent } from '../gateway/forward-to-magento.js';
import { createOfflineFeed, type ChangeFeed } from '../db/change-feed.js';
import { watchLocalWrites } from '../db/local-write-watch.js';
import { cacheStats } from '../db/invalidating-cache.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { parseActiveHours } from '../clients/client-access-policy.js';
import { createAlerts, type AlertsDeps, type AlertsService } from '../alerts/alerts-service.js';

export interface ServiceDeps {
  config: Config;
  /** Open and migrated (see server-database.ts, or the CLI's own way in). */
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Reused when the caller already opened the database's secrets with it. */
  box?: SecretBox;
  /** Tests shorten the Magento handshake's retry delays. */
  handshake?: Omit<HandshakeOptions, 'activatedAt'>;
  /** The database's change notifications (the server on PostgreSQL); default: none (short cache lifetimes). */
  changes?: ChangeFeed;
  /** The alert rules' lookups into other folders; tests pass their own (default: see createServices). */
  alerts?: Pick<AlertsDeps, 'activeHoursFor' | 'openAdminSessions' | 'dispatcher'>;
}

/** Every store and service of the product, built once: what the server, the CLI and the tests share. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  box: SecretBox;
  /** What evicts cached tokens, clients and links: this process's writes, and the database's notifications. */
  changes: ChangeFeed;
  /** Prometheus registry and the counters the services feed (served by the runtime). */
  metrics: Metrics;
  audit: AuditLog;
  limiter: RateLimiter;
  /** Blocked IPs and clients (repeated abuse, or an admin's `blocks:*`), shared by every instance. */
  blocks: BlockList;
  /** The Magento API catalog (ROUTES_FILE, SCOPES_FILE), loaded and validated once. */
  routeTable: RouteDefinition[];
  matcher: RouteMatcher;
  catalog: ScopeCatalog;
  apiScopes: string[];
  /** The client registry (create/update/disable/rotate-secret…). */
  clients: ClientStore;
  keyStore: KeyStore;
  grants: GrantAdmin;
  admins: {
    core: AdminCore;
    management: AdminManagement;
    auth: AdminAuth;
    sessions: AdminSessions;
    /** The admin console's own sign-in sessions (/admin). */
    console: ConsoleSessions;
    /** Admin passkeys (WebAuthn) and the ADMIN_SECOND_FACTOR policy. */
    passkeys: PasskeyService;
  };
  links: LinkStore;
  activation: LinkActivation;
  /** Which Magento code line each link's store runs (MAGENTO_SIGNING_PROFILE). */
  signingProfiles: SigningProfileSelector;
  /** The connection pool to Magento (gateway calls and signing-profile probes). */
  upstreamAgent: Agent;
  /** Anomaly alerts: raise() for any code, the rules' evaluator and the webhook deliverer (started by the runtime). */
  alerts: AlertsService;
  /** Waits up to `waitMs` for Magento token exchanges and probes, drops the pool to Magento, writes the audit queue. */
  close(waitMs?: number): Promise<void>;
}

export function createServices(deps: ServiceDeps): Services {
  const { config, db, clock, logger } = deps;
  const box = deps.box ?? createSecretBox(config.encryptionKeys);
  const changes = deps.changes ?? createOfflineFeed();
  watchLocalWrites(db, changes);
  const metrics = createMetrics();
  const audit = createAuditLog({ db, clock, logger, ...config.audit, onRecord: (e) => metrics.observeAudit(e) });
  metrics.auditQueueDepth(() => audit.queueDepth());
  metrics.cacheLookups(() => [...cacheStats].map(([name, s]) => [name, s.hits, s.misses] as [string, number, number]));
  // A bad SCOPES_FILE or ROUTES_FILE stops the start here, with the file and entry named.
  const routeTable = loadRoutes({ routesFile: config.routesFile ?? undefined });
  const catalog = loadScopeCatalog({
    scopesFile: config.scopesFile ?? undefined,
    routeTable,
    aclResources: loadAclResources(),
  });
  const apiScopes = [...catalog.scopes.keys()];
  const checkMetadata = createClientMetadataCheck({ production: config.production, apiScopes });
  const clients = createClientStore({
    db,
    clock,
    config,
    apiScopes,
    checkMetadata,
    audit,
    feed: changes,
    fallbackTtlMs: config.cacheFallbackTtlMs,
  });
  const grants = createGrantAdmin({ db, clock, audit });
  const core = createAdminCore({ db, box, clock, config, audit });
  const sessions = createAdminSessions({ db, box, clock, admins: core.store, audit });
  const management = createAdminManagement(core, { sessions, grants });
  const links = createLinkStore({ db, box, clock });
  const activation = createLinkActivation({
    links,
    magentoBaseUrl: config.magentoBaseUrl,
    audit,
    logger,
    clock,
    handshake: deps.handshake,
  });
  const upstreamAgent = createUpstreamAgent(config.gateway);
  const alerts = createAlerts({
    db,
    clock,
    logger,
    audit,
    config: config.alerts,
    // The client's --active-hours ("08:00-18:00 Europe/Berlin"), from the cached registry.
    activeHoursFor:
      deps.alerts?.activeHoursFor ??
      (async (clientId: string) => parseActiveHours((await clients.findCached(clientId))?.activeHours ?? '')),
    openAdminSessions:
      deps.alerts?.openAdminSessions ??
      (async () =>
        (await sessions.list()).map((s) => ({
          sessionId: s.sessionId,
          adminUsername: s.adminUsername,
          signedInAt: s.signedInAt,
        }))),
    dispatcher: deps.alerts?.dispatcher,
    onRaised: (rule) => metrics.alertRaised(rule),
  });
  const { rateLimits } = config.securityOps;
  const limiterBackend = createLimiterBackend({
    kind: rateLimits.store,
    db,
    redisUrl: rateLimits.redisUrl,
    keyPrefix: rateLimits.keyPrefix,
  });
  const limiter = createRateLimiter({
    backend: limiterBackend,
    clock,
    onStoreError: limiterOutageReporter(logger, audit, alerts, clock),
  });
  const blocks = createBlockList({
    db,
    clock,
    audit,
    feed: changes,
    limiter,
    fallbackTtlMs: config.cacheFallbackTtlMs,
    escalation: config.securityOps.blocks,
    logger,
  });
  const signingProfiles = createSigningProfileSelector({
    db,
    setting: config.magentoSigningProfile,
    magentoBaseUrl: config.magentoBaseUrl,
    dispatcher: upstreamAgent,
    audit,
    clock,
    logger,
  });
  return {
    config,
    db,
    clock,
    logger,
    box,
    changes,
    metrics,
    audit,
    limiter,
    blocks,
    routeTable,
    matcher: createRouteMatcher(routeTable),
    catalog,
    apiScopes,
    clients,
    keyStore: createKeyStore({ db, box }),
    grants,
    admins: {
      core,
      management,
      auth: createAdminAuth(core, management),
      sessions,
      console: createConsoleSessions({ db, clock, ...config.adminConsole }),
      passkeys: createPasskeyService({ core, config: config.passkeys, alerts }),
    },
    links,
    activation,
    signingProfiles,
    upstreamAgent,
    alerts,
    close: async (waitMs = config.shutdownTimeoutMs) => {
      const deadline = Date.now() + waitMs;
      // A Magento token exchange cut off mid-way leaves the link pending until Reauthorize.
      // Alerts first stop their loops, then wait for what they and raise() have in flight (outbox writes).
      const idle = Promise.all([activation.idle(), signingProfiles.idle(), alerts.stop()]);
      await Promise.race([idle, new Promise((r) => setTimeout(r, waitMs).unref())]);
      await upstreamAgent.destroy();
      await limiter.flush().catch(() => {}); // the batched hits of this process count for the others
      await limiterBackend.close();
      // Last: everything above may still have audited. A database that does not answer gets at
      // least a moment; what it does not take goes to the log.
      await audit.close(Math.max(1000, deadline - Date.now()));
    },
  };
}

/**
 * A limiter store outage, told once per minute (not once per request): a log line and an audit row,
 * and an alert (one per incident: the dedup window): the gateway lets calls through meanwhile.
 */
function limiterOutageReporter(logger: Logger, audit: AuditLog, alerts: AlertsService, clock: Clock) {
  let last = -Infinity;
  return (err: Error) => {
    if (clock.now() - last < 60_000) return;
    last = clock.now();
    logger.warn('rate-limit store unavailable', { err: err.message });
    void audit.record({ type: 'security.limiter_unavailable', outcome: 'failure', details: { error: err.message } });
    void alerts.raise({
      rule: 'rate_limit_outage',
      severity: 'high',
      summary: 'The rate-limit store does not answer: token and sign-in requests are refused, gateway calls unlimited',
      details: { error: err.message },
      dedupKey: 'rate_limit_outage',
    });
  };
}
