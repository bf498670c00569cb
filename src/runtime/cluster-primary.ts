import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { startMetricsServer } from '../metrics/metrics-endpoint.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';

/** The worker that runs the once-per-cluster jobs (expired-row clean-up, handshake resume). */
export const LEADER_INDEX = '0';
export const WORKER_INDEX_ENV = 'BRIDGE_WORKER_INDEX';

/** What a worker tells the primary once it serves requests. */
export interface WorkerReady {
  type: 'bridge:listening';
  port: number;
}

export function isWorkerReady(m: unknown): m is WorkerReady {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'bridge:listening';
}

/** How long a crashed worker waits before it is started again (a crash loop must not spin). */
const RESTART_DELAY_MS = 1000;

/**
 * WORKERS > 1: this process only supervises. It starts the workers (each a whole server with its
 * own database pool, sharing the port through node:cluster; the leader first), says "listening" once all serve,
 * restarts one that crashes, and on SIGTERM/SIGINT drains them all before exiting. A worker that
 * fails before it ever served (bad configuration, port in use) stops the whole start with its code.
 */
export function runClusterPrimary(config: Config, logger: Logger, exit: (code: number) => never): void {
  const ready = new Set<string>();
  let announced = false;
  let stopping = false;

  function fork(index: string): void {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: index });
    let served = false;
    worker.on('message', (m: unknown) => {
      if (!isWorkerReady(m)) return;
      served = true;
      ready.add(index);
      // The leader migrated the database and made the keys: now the others can start beside it.
      if (index === LEADER_INDEX && !announced && ready.size === 1)
        for (let i = 1; i < config.workers; i++) fork(String(i));
      if (!announced && ready.size === config.workers) {
        announced = true;
        logger.info('listening', {
          issuer: config.issuer,
          port: m.port,
          database: 'postgresql',
          workers: config.workers,
        });
      }
    });
    worker.on('exit', (code, signal) => {
      ready.delete(index);
      if (stopping) return;
      if (!served && !announced) {
        // It never started: starting it again would fail the same way.
        logger.error('worker failed to start', { worker: index, code, signal });
        stopAll('worker failed to start', typeof code === 'number' && code > 0 ? code : 1);
        return;
      }
      logger.error('worker exited: starting a new one', { worker: index, code, signal });
      setTimeout(() => !stopping && fork(index), RESTART_DELAY_MS).unref();
    });
  }

  function stopAll(reason: string, code: number): void {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal: reason, workers: config.workers });
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    if (!workers.length) exit(code);
    let left = workers.length;
    for (const w of workers) {
      w.once('exit', () => {
        if (--left === 0) {
          logger.info('stopped');
          exit(code);
        }
      });
      // Each worker drains its own requests (SHUTDOWN_TIMEOUT_MS) and closes its pool.
      w.process.kill('SIGTERM');
    }
  }

  process.on('SIGTERM', () => stopAll('SIGTERM', 0));
  process.on('SIGINT', () => stopAll('SIGINT', 0));
  // The leader first, alone: migrations and first-start key generation must not race.
  fork(LEADER_INDEX);
  if (config.metrics.port) {
    // Every worker's registry, summed (counters) per scrape: the server's numbers, not one worker's.
    const aggregator = new AggregatorRegistry();
    const source = { contentType: aggregator.contentType, read: () => aggregator.clusterMetrics() };
    startMetricsServer(source, config.metrics.host, config.metrics.port).catch((err: Error) => {
      logger.error('cannot serve metrics', { port: config.metrics.port, err: err.message });
      stopAll('metrics port unavailable', 69);
    });
  }
}
