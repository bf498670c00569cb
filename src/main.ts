import './runtime-check.js';
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { isConfigError, loadConfig } from './config/load-config.js';
import { readEnv } from './config/read-env.js';
import type { Config } from './config/config.js';
import { pgliteDirFor } from './db/create-db.js';
import { DataDirBusyError } from './db/data-dir-lock.js';
import { KeyMismatchError } from './db/key-check.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createRuntime, type Runtime } from './runtime/runtime.js';
import { LEADER_INDEX, runClusterPrimary, WORKER_INDEX_ENV, type WorkerReady } from './runtime/cluster-primary.js';
import { describeStartupFailure } from './startup/startup-failure.js';

/** Known once loaded, so start-up failures can name the variables involved. */
let loadedConfig: Config | undefined;
/** Its stdout is written asynchronously: flushed before any exit so the last lines are not lost. */
let logger: Logger | undefined;

function exit(code: number): never {
  logger?.flush();
  process.exit(code);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadedConfig = loadConfig(readEnv());
  } catch (err) {
    if (isConfigError(err)) {
      process.stderr.write(`${err.message}\n`);
      exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = (logger = createLogger({ level: config.logLevel }));
  if (config.workers > 1 && cluster.isPrimary) return runClusterPrimary(config, log, exit);
  const worker = cluster.isWorker ? (process.env[WORKER_INDEX_ENV] ?? '?') : null;
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, { logger: log });
  } catch (err) {
    if (err instanceof DataDirBusyError) {
      // The embedded database is opened by one process only: this server, which shares it with the CLI.
      process.stderr.write(
        `${err.message}: not starting a second server on it (stop that one, or set another DATA_DIR)\n`,
      );
      exit(69); // EX_UNAVAILABLE
    }
    if (err instanceof KeyMismatchError) {
      process.stderr.write(`cannot start: ${err.message}\n`);
      exit(78); // EX_CONFIG
    }
    throw err;
  }
  // In a cluster one worker runs the once-per-cluster jobs, and the primary serves the metrics
  // port, asking each worker for its registry.
  if (worker !== null) {
    // prom-client answers the primary's requests only once an AggregatorRegistry was made here.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([runtime.metrics.registry]);
  }
  const { port } = await runtime.start({
    background: worker === null || worker === LEADER_INDEX,
    metricsPort: worker === null,
  });

  const shutdown = async (signal: string) => {
    if (runtime.isShuttingDown()) return;
    log.info('shutting down', { signal });
    await runtime.stop();
    log.info('stopped');
    exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Announced only once the signal handlers are in place: a supervisor that stops the server as
  // soon as it reads this line must reach the drain, not the default SIGTERM action.
  if (worker !== null) {
    log.info('worker listening', { worker, pid: process.pid });
    process.send?.({ type: 'bridge:listening', port } satisfies WorkerReady);
    return;
  }
  log.info('listening', {
    issuer: config.issuer,
    port,
    database: config.databaseUrl ? 'postgresql' : `pglite:${pgliteDirFor(config.dataDir)}`,
  });
}

main().catch((err) => {
  const failure = loadedConfig && describeStartupFailure(err, loadedConfig);
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (failure) {
    // One line a person can act on; the stack only when asked for.
    process.stderr.write(`cannot start: ${failure.message}\n`);
    if (loadedConfig?.logLevel === 'debug') process.stderr.write(`${stack}\n`);
    exit(failure.exitCode);
  }
  process.stderr.write(`fatal: ${stack}\n`);
  exit(1);
});
