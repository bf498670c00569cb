import './runtime-check.js';
import { createServer, type Server } from 'node:http';
import { isConfigError, loadConfig } from './config/load-config.js';
import { readEnv } from './config/read-env.js';
import type { Config } from './config/config.js';
import { createDb, createEmbeddedDb, pgliteDirFor } from './db/create-db.js';
import { acquireDataDirLock, DataDirBusyError } from './db/data-dir-lock.js';
import { checkEncryptionKey, KeyMismatchError } from './db/key-check.js';
import { startPgliteSocketServer } from './db/pglite-socket-server.js';
import { createSecretBox } from './security/secret-box.js';
import { migrateLatest } from './db/migrate.js';
import { createLogger } from './logging/logger.js';
import { systemClock } from './clock.js';
import { buildRuntime } from './build-runtime.js';
import { deleteExpiredPayloads } from './oidc/postgres-adapter.js';
import { describeStartupFailure } from './startup/startup-failure.js';

/** Known once loaded, so start-up failures can name the variables involved. */
let loadedConfig: Config | undefined;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadedConfig = loadConfig(readEnv());
  } catch (err) {
    if (isConfigError(err)) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  // The embedded database is opened by one process only: this server, which shares it with the CLI.
  let lock: { release(): void } | null = null;
  if (!config.databaseUrl) {
    try {
      lock = acquireDataDirLock(config.dataDir, 'server', (h) => logger.warn('took over the DATA_DIR lock of a process that is gone', { pid: h.pid, dataDir: config.dataDir }));
    } catch (err) {
      if (!(err instanceof DataDirBusyError)) throw err;
      process.stderr.write(`${err.message}: not starting a second server on it (stop that one, or set another DATA_DIR)\n`);
      process.exit(69); // EX_UNAVAILABLE
    }
    process.on('exit', () => lock?.release());
  }
  const embedded = config.databaseUrl ? null : createEmbeddedDb(pgliteDirFor(config.dataDir));
  const db = embedded?.db ?? createDb({ databaseUrl: config.databaseUrl, onLog: (level, message) => logger.debug('knex', { level, message }) });
  const box = createSecretBox(config.encryptionKeys);
  const applied = await migrateLatest(db, { box });
  if (applied.length) logger.info('migrations applied', { migrations: applied });
  try {
    await checkEncryptionKey(db, box, { reseal: true });
  } catch (err) {
    if (!(err instanceof KeyMismatchError)) throw err;
    process.stderr.write(`cannot start: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  // CLI commands run while the server runs reach this same database through this socket.
  const socketServer = embedded ? await startPgliteSocketServer({ pglite: embedded.pglite, gate: embedded.gate, dataDir: config.dataDir }) : null;

  let shuttingDown = false;
  const runtime = await buildRuntime({ config, db, clock: systemClock, logger, isShuttingDown: () => shuttingDown });
  const server: Server = createServer(runtime.app.callback());
  server.keepAliveTimeout = 5_000;

  const cleanup = setInterval(() => {
    deleteExpiredPayloads(db, systemClock).catch((err) => logger.warn('expired row cleanup failed', { err }));
  }, config.expiredCleanupIntervalMs);
  cleanup.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  void runtime.magento.activation
    .resumeUnfinished()
    .then((n) => n && logger.info('resumed unfinished Magento token exchanges', { count: n }))
    .catch((err) => logger.warn('could not resume Magento token exchanges', { err: (err as Error).message }));

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    clearInterval(cleanup);
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const force = setTimeout(() => {
      logger.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    // Stop accepting; idle keep-alive sockets close now, in-flight requests finish first.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await runtime.close(Math.max(0, deadline - Date.now()));
    await socketServer?.close();
    await db.destroy();
    lock?.release();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Announced only once the signal handlers are in place: a supervisor that stops the server as
  // soon as it reads this line must reach the drain, not the default SIGTERM action.
  logger.info('listening', {
    issuer: config.issuer,
    port: (server.address() as { port: number }).port,
    database: config.databaseUrl ? 'postgresql' : `pglite:${pgliteDirFor(config.dataDir)}`,
  });
}

main().catch((err) => {
  const failure = loadedConfig && describeStartupFailure(err, loadedConfig);
  const stack = err instanceof Error ? err.stack ?? err.message : String(err);
  if (failure) {
    // One line a person can act on; the stack only when asked for.
    process.stderr.write(`cannot start: ${failure.message}\n`);
    if (loadedConfig?.logLevel === 'debug') process.stderr.write(`${stack}\n`);
    process.exit(failure.exitCode);
  }
  process.stderr.write(`fatal: ${stack}\n`);
  process.exit(1);
});
