import { RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterBackend, LimiterStoreKind } from './limiter-backend.js';
import type { RateLimitSpec } from '../config/rate-limit-spec.js';
import type { Clock } from '../clock.js';

export type { RateLimitSpec } from '../config/rate-limit-spec.js';

export interface RateLimitResult {
  allowed: boolean;
  /** Requests counted in the current window, this one included. */
  hits: number;
  remaining: number;
  limit: RateLimitSpec;
  /** Seconds until the current window ends. */
  retryAfter: number;
  /** The store did not answer: `allowed` is the caller's fail-open/fail-closed choice, not a count. */
  storeDown?: boolean;
}

export interface HitOptions {
  /** While the store is down: true lets the request through (the gateway), false refuses it (sign-in, tokens). */
  failOpen?: boolean;
}

export interface RateLimiter {
  readonly store: LimiterStoreKind;
  /** Counts one request against `key`'s budget. Never throws: a store outage follows `failOpen`. */
  hit(key: string, limit: RateLimitSpec, opts?: HitOptions): Promise<RateLimitResult>;
  /** The budget's state without counting (null: nothing counted in this window). */
  peek(key: string, limit: RateLimitSpec): Promise<RateLimitResult | null>;
  /** Connects to the store (the server does before it listens); false: it did not answer in time. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Sends the batched hits now (shutdown, tests). */
  flush(): Promise<void>;
}

/** Seconds a refused caller is asked to wait while the store is down. */
const OUTAGE_RETRY_AFTER_S = 5;
/**
 * Budgets this large on a shared store are counted in batches: each instance adds up its hits and
 * sends them every BATCH_FLUSH_MS in one call per key, deciding meanwhile on the store's last total
 * plus its own pending hits. A hot path then makes no store round trip of its own; a budget may be
 * passed by what the instances admit in one flush interval. Small budgets (failed secrets, sign-ins)
 * are counted exactly, one call per hit.
 */
export const BATCH_MIN_BUDGET = 100;
const BATCH_FLUSH_MS = 50;

interface Tally {
  limit: RateLimitSpec;
  windowEnd: number;
  /** The store's total for this key and window, as of the last flush. */
  shared: number;
  /** Hits of this instance not sent yet. */
  pending: number;
  /** The last flush failed: the store is down for this key until one succeeds. */
  down: boolean;
}

/**
 * The product's rate limits over rate-limiter-flexible: Redis, PostgreSQL or memory (see
 * limiter-backend.ts), so every instance on a shared store shares every budget.
 *
 * Windows are fixed and aligned to the product's clock: the window's index is part of the store key.
 * Every instance then agrees on where a window starts and ends (Retry-After is the same wherever the
 * request lands), and the window follows the injected clock rather than the library's Date.now().
 */
export function createRateLimiter(deps: {
  backend: LimiterBackend;
  clock: Clock;
  /** Told each time the store fails (the runtime logs, audits and raises an alert, throttled). */
  onStoreError?: (err: Error) => void;
}): RateLimiter {
  const { backend, clock } = deps;
  const batched = backend.kind !== 'memory';
  const tallies = new Map<string, Tally>();
  let flushTimer: NodeJS.Timeout | null = null;
  /** Sends of earlier flushes still on their way: a flush() resolves after them too. */
  let inFlight: Promise<unknown> = Promise.resolve();

  async function flush(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const now = clock.now();
    const sends: Promise<void>[] = [];
    for (const [storeKey, t] of tallies) {
      if (t.pending === 0) {
        if (t.windowEnd <= now) tallies.delete(storeKey); // a past window: nothing more to count
        continue;
      }
      const n = t.pending;
      t.pending = 0;
      sends.push(
        backend
          .limiterFor(t.limit)
          .consume(storeKey, n)
          .then(
            (res) => {
              t.shared = res.consumedPoints;
              t.down = false;
            },
            (err) => {
              if (err instanceof RateLimiterRes) {
                t.shared = err.consumedPoints; // counted, over the budget
                t.down = false;
                return;
              }
              t.pending += n; // sent again with the next flush: no hit is lost
              t.down = true;
              deps.onStoreError?.(err as Error);
            },
          ),
      );
    }
    const earlier = inFlight;
    inFlight = Promise.all([earlier, ...sends]);
    await inFlight;
    if (tallies.size && !flushTimer) scheduleFlush();
  }
  function startTally(key: string, limit: RateLimitSpec, shared: number) {
    const windowMs = limit.windowSeconds * 1000;
    const windowEnd = (Math.floor(clock.now() / windowMs) + 1) * windowMs;
    tallies.set(windowKey(key, limit), { limit, windowEnd, shared, pending: 0, down: false });
  }
  function scheduleFlush() {
    flushTimer = setTimeout(() => void flush(), BATCH_FLUSH_MS);
    flushTimer.unref();
  }

  /** Null: this key has no tally in this window yet (its first hit is counted exactly, and starts one). */
  function batchedHit(key: string, limit: RateLimitSpec, failOpen: boolean): RateLimitResult | null {
    const t = tallies.get(windowKey(key, limit));
    if (!t) return null;
    t.pending++;
    if (!flushTimer) scheduleFlush();
    const retryAfter = Math.max(1, Math.ceil((t.windowEnd - clock.now()) / 1000));
    if (t.down)
      return { allowed: failOpen, hits: 0, remaining: 0, limit, retryAfter: OUTAGE_RETRY_AFTER_S, storeDown: true };
    const hits = t.shared + t.pending;
    return { allowed: hits <= limit.max, hits, remaining: Math.max(0, limit.max - hits), limit, retryAfter };
  }
  const windowKey = (key: string, limit: RateLimitSpec) =>
    `${key}@${Math.floor(clock.now() / (limit.windowSeconds * 1000))}`;
  const toResult = (res: RateLimiterRes, limit: RateLimitSpec, allowed: boolean): RateLimitResult => {
    const windowMs = limit.windowSeconds * 1000;
    const windowEnd = (Math.floor(clock.now() / windowMs) + 1) * windowMs;
    return {
      allowed,
      hits: res.consumedPoints,
      remaining: Math.max(0, limit.max - res.consumedPoints),
      limit,
      retryAfter: Math.max(1, Math.ceil((windowEnd - clock.now()) / 1000)),
    };
  };
  return {
    store: backend.kind,
    async hit(key, limit, opts = {}) {
      const batch = batched && limit.max >= BATCH_MIN_BUDGET;
      if (batch) {
        const quick = batchedHit(key, limit, opts.failOpen === true);
        if (quick) return quick;
      }
      try {
        const res = await backend.limiterFor(limit).consume(windowKey(key, limit));
        if (batch) startTally(key, limit, res.consumedPoints);
        return toResult(res, limit, true);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          if (batch) startTally(key, limit, err.consumedPoints);
          return toResult(err, limit, false);
        }
        deps.onStoreError?.(err as Error);
        const allowed = opts.failOpen === true;
        return { allowed, hits: 0, remaining: 0, limit, retryAfter: OUTAGE_RETRY_AFTER_S, storeDown: true };
      }
    },
    async peek(key, limit) {
      const res = await backend.limiterFor(limit).get(windowKey(key, limit));
      return res ? toResult(res, limit, res.consumedPoints <= limit.max) : null;
    },
    ready: (timeoutMs = 3000) => backend.ready(timeoutMs),
    flush,
  };
}
