import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';

const DAY_MS = 24 * 3600_000;

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  /** Seconds until the current window ends. */
  retryAfter: number;
}

export interface RateLimiter {
  hit(key: string, limit: { max: number; windowSeconds: number }): Promise<RateLimitResult>;
}

/**
 * Fixed-window counters in PostgreSQL, so every instance shares them. One upsert per hit.
 */
export function createRateLimiter(deps: { db: Db; clock: Clock }): RateLimiter {
  const { db, clock } = deps;
  return {
    async hit(key, { max, windowSeconds }) {
      const now = clock.now();
      const windowMs = windowSeconds * 1000;
      const start = new Date(Math.floor(now / windowMs) * windowMs);
      const rows = await db('rate_limits')
        .insert({ key, window_start: start, hits: 1 })
        .onConflict(['key', 'window_start'])
        .merge({ hits: db.raw('rate_limits.hits + 1') })
        .returning(['hits']);
      const hits = Number(rows[0]?.hits ?? 1);
      // First hit of a window: drop windows long past (any key), so the table stays small.
      if (hits === 1)
        await db('rate_limits')
          .where('window_start', '<', new Date(start.getTime() - Math.max(windowMs, DAY_MS)))
          .delete();
      return { allowed: hits <= max, hits, retryAfter: Math.ceil((start.getTime() + windowMs - now) / 1000) };
    },
  };
}
