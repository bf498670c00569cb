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
  /** Forgets the key's count (a successful sign-in clears its failures). */
  reset(key: string, limit: RateLimitSpec): Promise<void>;
  /** Connects to the store (the server does before it listens); false: it did not answer in time. */
  ready(timeoutMs?: number): Promise<boolean>;
}

/** Seconds a refused caller is asked to wait while the store is down. */
const OUTAGE_RETRY_AFTER_S = 5;

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
      try {
        return toResult(await backend.limiterFor(limit).consume(windowKey(key, limit)), limit, true);
      } catch (err) {
        if (err instanceof RateLimiterRes) return toResult(err, limit, false);
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
    async reset(key, limit) {
      await backend.limiterFor(limit).delete(windowKey(key, limit));
    },
  };
}
