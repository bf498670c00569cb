import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { createSecretBox } from '../security/secret-box.js';
import { startPgliteSocketServer, type PgliteSocketServer } from '../db/pglite-socket-server.js';
import { deleteExpiredPayloads } from '../oidc/postgres-adapter.js';
import { pruneAuditEvents } from '../audit/audit-retention.js';
import type { AccessTokenVerifier } from '../oidc/access-token-verifier.js';
import { openServerDatabase, type ServerDatabase } from './server-database.js';
import { deleteExpiredLimiterRows } from '../rate-limits/limiter-backend.js';
import { alertOldSecrets } from './secret-age-alerts.js';
import { pruneAlertTables } from '../alerts/alert-retention.js';
import { createServices, type ServiceDeps, type Services } from './services.js';
import { createWeb } from './web.js';
import { startMetricsServer } from '../metrics/metrics-endpoint.js';
import { createOfflineFeed, createPostgresChangeFeed } from '../db/change-feed.js';

export interface RuntimeOptions {
  logger: Logger;
  clock?: Clock;
  /** An open, migrated database (tests); otherwise the server's own is opened (openServerDatabase). */
  db?: Db;
  handshake?: ServiceDeps['handshake'];
  /** The alert rules' lookups (client hours, admin sessions) and webhook dispatcher; tests pass their own. */
  alerts?: ServiceDeps['alerts'];
  /**
   * Where to LISTEN for other instances' changes: default DATABASE_URL (none on the embedded
   * database). Tests pass their own database's URL.
   */
  changeFeedUrl?: string | null;
}

export interface Runtime extends Services {
  app: Koa;
  provider: Provider;
  /** Whether a bearer token is good for the Magento API (opaque or JWT; revocation-aware). */
  accessTokenVerifier: AccessTokenVerifier;
  /**
   * Serves the app on `server` (already listening: tests) or on a new one on config.port/host, then
   * starts what runs beside requests: the embedded database's socket for the CLI, the expired-row
   * clean-up and audit retention (AUDIT_RETENTION_DAYS), the resume of Magento token exchanges a
   * previous process left unfinished, and the alert evaluator and webhook deliverer.
   * `background: false` (every worker but one in a cluster) leaves those jobs to another process.
   */
  start(opts?: {
    server?: Server;
    background?: boolean;
    /** false in a cluster worker: the primary serves METRICS_PORT, aggregated. */
    metricsPort?: boolean;
  }): Promise<{ server: Server; port: number }>;
  /** Drains: stops accepting, lets in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), closes everything. */
  stop(): Promise<void>;
  isShuttingDown(): boolean;
}

/** The one composition root: everything the server runs, built once, for main.ts and the tests alike. */
export async function createRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const { logger } = opts;
  const clock = opts.clock ?? systemClock;
  const box = createSecretBox(config.encryptionKeys);
  const database: ServerDatabase | null = opts.db ? null : await openServerDatabase(config, box, logger);
  const db = opts.db ?? database!.db;
  let shuttingDown = false;
  let server: Server | null = null;
  let socketServer: PgliteSocketServer | null = null;
  let cleanup: NodeJS.Timeout | null = null;
  let metricsServer: Server | null = null;
  try {
    const feedUrl = opts.changeFeedUrl === undefined ? config.databaseUrl : opts.changeFeedUrl;
    const changes = feedUrl ? createPostgresChangeFeed({ databaseUrl: feedUrl, logger }) : createOfflineFeed();
    const services = createServices({
      config,
      db,
      clock,
      logger,
      box,
      handshake: opts.handshake,
      changes,
      alerts: opts.alerts,
    });
    const web = await createWeb(services, { isShuttingDown: () => shuttingDown });
    // AUDIT_RETENTION_DAYS: the cutoff moves once a day, so most runs find nothing and record nothing.
    const pruneAuditTrail = () => {
      const retentionDays = config.auditTrail.retentionDays;
      if (!retentionDays) return;
      pruneAuditEvents(db, { retentionDays, nowMs: clock.now(), actor: 'system' })
        .then((r) => r.outcome === 'pruned' && logger.info('audit rows pruned', { removed: r.removed }))
        .catch((err) => logger.warn('audit retention failed', { err: (err as Error).message }));
    };
    const runtime: Runtime = {
      ...services,
      ...web,
      isShuttingDown: () => shuttingDown,
      async start(startOpts = {}) {
        // Before the first request: until it is live, caches keep answers only briefly.
        await changes.start();
        // A Redis still connecting would refuse the first requests (fail-closed) or skip their limits.
        if (!(await services.limiter.ready()))
          logger.warn('rate-limit store not reachable at start; its fail modes apply until it is', {
            store: services.limiter.store,
          });
        server = startOpts.server ?? createServer();
        server.keepAliveTimeout = 5_000;
        server.on('request', web.app.callback());
        if (!server.listening) await listen(server, config);
        // CLI commands run while the server runs reach this same database through this socket.
        if (database?.embedded) {
          socketServer = await startPgliteSocketServer({ ...database.embedded, dataDir: config.dataDir });
        }
        if (config.metrics.port && startOpts.metricsPort !== false) {
          const { registry } = services.metrics;
          const source = { contentType: registry.contentType, read: () => registry.metrics() };
          metricsServer = await startMetricsServer(source, config.metrics.host, config.metrics.port);
        }
        if (startOpts.background !== false) {
          cleanup = setInterval(() => {
            deleteExpiredPayloads(db, clock).catch((err) => logger.warn('expired row cleanup failed', { err }));
            deleteExpiredLimiterRows(db, clock).catch((err) => logger.warn('limiter row cleanup failed', { err }));
            alertOldSecrets(services).catch((err) => logger.warn('client secret age check failed', { err }));
            pruneAlertTables(db, clock, { dedupWindowS: config.alerts.dedupWindowS }).catch((err) =>
              logger.warn('alert table clean-up failed', { err }),
            );
            pruneAuditTrail();
          }, config.expiredCleanupIntervalMs);
          cleanup.unref();
          // Alert rules and webhook deliveries: safe in every instance (advisory lock, skip locked).
          services.alerts.start();
          void services.activation
            .resumeUnfinished()
            .then((n) => n && logger.info('resumed unfinished Magento token exchanges', { count: n }))
            .catch((err) => logger.warn('could not resume Magento token exchanges', { err: (err as Error).message }));
        }
        return { server, port: (server.address() as AddressInfo).port };
      },
      async stop() {
        if (shuttingDown) return;
        shuttingDown = true;
        if (cleanup) clearInterval(cleanup);
        const deadline = Date.now() + config.shutdownTimeoutMs;
        if (server) await drain(server, config.shutdownTimeoutMs, logger);
        metricsServer?.close();
        metricsServer?.closeAllConnections();
        await services.close(Math.max(0, deadline - Date.now()));
        await changes.close();
        await socketServer?.close();
        await database?.close();
      },
    };
    return runtime;
  } catch (err) {
    await database?.close().catch(() => undefined);
    throw err;
  }
}

function listen(server: Server, config: Config): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stop accepting; idle keep-alive sockets close now, in-flight requests finish first (or are cut at the timeout). */
async function drain(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const force = setTimeout(() => {
    logger.warn('shutdown timeout: closing remaining connections');
    server.closeAllConnections();
  }, timeoutMs);
  force.unref();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearTimeout(force);
}
