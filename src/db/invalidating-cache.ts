import type { Clock } from '../clock.js';
import type { Change, ChangeFeed, ChangeTag } from './change-feed.js';

/** Hits and misses per cache name, for the process (the metrics read them at each scrape). */
export const cacheStats = new Map<string, { hits: number; misses: number }>();

export interface InvalidatingCache<V> {
  /** The cached answer, or `load()`'s (one load per key at a time); stored only if nothing changed meanwhile. */
  get(key: string, load: () => Promise<V>, opts?: { expiresAt?: (value: V) => number }): Promise<V>;
  delete(key: string): void;
  clear(): void;
}

/**
 * An in-process cache whose entries the database's change notifications evict (`tag` names the
 * rows it depends on). With notifications flowing entries live up to `liveTtlMs`; while they are
 * lost (PostgreSQL) nothing is kept, every lookup goes to the database; on the embedded database
 * (no notifications) `fallbackTtlMs`. A load that raced with a change of its key is not stored.
 */
export function createInvalidatingCache<V>(opts: {
  /** Names the cache in the metrics (bridge_cache_lookups_total). */
  name: string;
  feed: ChangeFeed;
  tag: ChangeTag;
  clock: Clock;
  liveTtlMs: number;
  fallbackTtlMs: number;
  max: number;
  /** Called on every change of this tag (or a reset) after the entry is evicted. */
  onChange?: (change: Change) => void;
}): InvalidatingCache<V> {
  const entries = new Map<string, { value: V; until: number }>();
  const loading = new Map<string, { promise: Promise<V>; stale: boolean }>();
  const { clock } = opts;
  const stats = cacheStats.get(opts.name) ?? { hits: 0, misses: 0 };
  cacheStats.set(opts.name, stats);

  const evict = (key: string) => {
    entries.delete(key);
    const inflight = loading.get(key);
    if (inflight) inflight.stale = true;
  };
  const clear = () => {
    entries.clear();
    for (const inflight of loading.values()) inflight.stale = true;
  };
  opts.feed.subscribe((change) => {
    if (change.tag === 'reset') clear();
    else if (change.tag === opts.tag) {
      if (change.key === null) clear();
      else evict(change.key);
    } else return;
    opts.onChange?.(change);
  });

  function store(key: string, value: V, expiresAt?: number) {
    const { feed } = opts;
    const ttl = feed.live ? opts.liveTtlMs : feed.expectsNotifications ? 0 : opts.fallbackTtlMs;
    const until = Math.min(clock.now() + ttl, expiresAt ?? Infinity);
    if (until <= clock.now()) return;
    if (entries.size >= opts.max) entries.delete(entries.keys().next().value!);
    entries.set(key, { value, until });
  }

  return {
    async get(key, load, getOpts) {
      const hit = entries.get(key);
      if (hit && hit.until > clock.now()) {
        stats.hits++;
        return hit.value;
      }
      stats.misses++;
      if (hit) entries.delete(key);
      const running = loading.get(key);
      if (running) return running.promise;
      const inflight = { promise: load(), stale: false };
      loading.set(key, inflight);
      try {
        const value = await inflight.promise;
        if (!inflight.stale) store(key, value, getOpts?.expiresAt?.(value));
        return value;
      } finally {
        loading.delete(key);
      }
    },
    delete: evict,
    clear,
  };
}
