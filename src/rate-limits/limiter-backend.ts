import { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Db } from '../db/create-db.js';
import type { RateLimitSpec } from '../config/rate-limit-spec.js';

export type LimiterStoreKind = 'redis' | 'postgres' | 'memory';

/** Where the counters live; every limiter of the process shares it. */
export interface LimiterBackend {
  readonly kind: LimiterStoreKind;
  /** One rate-limiter-flexible limiter per budget (its key prefix names the budget). */
  limiterFor(spec: RateLimitSpec): RateLimiterAbstract;
  /** Connects now (the server, before it listens); false when the store did not answer within `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The table migrations/20261208010000_rate_limiter_store.ts creates (rate-limiter-flexible's own shape). */
export const LIMITER_TABLE = 'rate_limiter_counters';

/**
 * Redis when REDIS_URL is set (the shared choice for many instances), PostgreSQL when the server runs
 * on one (shared with no extra service), memory on the embedded database (one process).
 */
export function createLimiterBackend(opts: {
  kind: LimiterStoreKind;
  db?: Db;
  redisUrl?: string | null;
  /** Starts every key, so several bridges may share one store. */
  keyPrefix?: string;
  /** How long a store call may take before it counts as an outage (ms). */
  timeoutMs?: number;
}): LimiterBackend {
  const limiters = new Map<string, RateLimiterAbstract>();
  let redis: Redis | null = null;
  if (opts.kind === 'redis' && !opts.redisUrl) throw new Error('the redis rate-limit store needs REDIS_URL');
  if (opts.kind === 'postgres' && !opts.db) throw new Error('the postgres rate-limit store needs the database');
  // Connected on first use: CLI commands that count nothing open no connection.
  function redisClient(): Redis {
    if (redis) return redis;
    // Fail fast while Redis is away (no offline queue): the caller's fail-open/closed policy decides.
    redis = new Redis(opts.redisUrl!, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: opts.timeoutMs ?? 1000,
      commandTimeout: opts.timeoutMs ?? 1000,
    });
    // Errors surface on each call; without a listener ioredis would print them.
    redis.on('error', () => {});
    return redis;
  }

  function build(spec: RateLimitSpec): RateLimiterAbstract {
    const common = {
      points: spec.max,
      duration: spec.windowSeconds,
      keyPrefix: `${opts.keyPrefix ?? 'bridge'}:rl${spec.max}_${spec.windowSeconds}`,
    };
    switch (opts.kind) {
      case 'redis':
        return new RateLimiterRedis({ ...common, storeClient: redisClient(), rejectIfRedisNotReady: true });
      case 'postgres':
        return new RateLimiterPostgres({
          ...common,
          storeClient: opts.db,
          storeType: 'knex',
          tableName: LIMITER_TABLE,
          tableCreated: true,
          // One limiter per budget would each start a clean-up timer; the runtime's clean-up does it once.
          clearExpiredByTimeout: false,
        });
      case 'memory':
        return new RateLimiterMemory(common);
    }
  }

  return {
    kind: opts.kind,
    limiterFor(spec) {
      const key = `${spec.max}/${spec.windowSeconds}`;
      let l = limiters.get(key);
      if (!l) limiters.set(key, (l = build(spec)));
      return l;
    },
    async ready(timeoutMs) {
      if (opts.kind !== 'redis') return true;
      const client = redisClient();
      if (client.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        client.once('ready', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    async close() {
      if (redis) redis.disconnect();
      redis = null;
    },
  };
}

/**
 * The PostgreSQL store's counters past their window, and blocks ended a month ago (the audit trail
 * keeps their story): the server's periodic clean-up, once for every budget.
 */
export async function deleteExpiredLimiterRows(db: Db, clock: { now(): number }): Promise<void> {
  await db(LIMITER_TABLE)
    .where('expire', '<', clock.now() - 3600_000)
    .delete();
  await db('security_blocks')
    .where('expires_at', '<', new Date(clock.now() - 30 * 86_400_000))
    .delete();
}
