import pg from 'pg';
import type { Logger } from '../logging/logger.js';

/** The channel the tables' triggers notify (migration 20261207100000_change_notifications). */
export const CHANGE_CHANNEL = 'bridge_changes';
export const FEED_APPLICATION_NAME = 'bridge-change-feed';

export type ChangeTag = 'payload' | 'client' | 'link' | 'block';

/**
 * A change to a row caches depend on: `payload` (oidc_payloads id: tokens and grants),
 * `client` (client_id), `link` (client_id: the Magento link or its signing profile); a null key
 * is every row of the tag. `reset` means changes may have been missed (connection lost or
 * regained): drop everything.
 */
export type Change = { tag: ChangeTag; key: string | null } | { tag: 'reset' };

export interface ChangeFeed {
  /** Notifications are flowing: only then may a cache keep an answer for long. */
  readonly live: boolean;
  /**
   * There should be notifications (PostgreSQL): while they are not live, caches keep nothing and
   * every lookup goes to the database. Without (the embedded database): short lifetimes instead.
   */
  readonly expectsNotifications: boolean;
  subscribe(fn: (change: Change) => void): () => void;
  /** A write of this process: subscribers hear it at once, before the database's notification. */
  emitLocal(change: Change): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

function createSubscribers() {
  const subscribers = new Set<(c: Change) => void>();
  return {
    subscribe(fn: (c: Change) => void) {
      subscribers.add(fn);
      return () => void subscribers.delete(fn);
    },
    emit(c: Change) {
      for (const fn of subscribers) fn(c);
    },
  };
}

/** No notifications (the embedded database, the CLI): caches fall back to short lifetimes. */
export function createOfflineFeed(): ChangeFeed {
  const { subscribe, emit } = createSubscribers();
  return {
    live: false,
    expectsNotifications: false,
    subscribe,
    emitLocal: emit,
    start: async () => undefined,
    close: async () => undefined,
  };
}

const TAGS = new Set(['payload', 'client', 'link', 'block']);
/** A listener connection that stops answering is given up this fast (a dead TCP peer sends no error). */
const PING_INTERVAL_MS = 2000;
const RECONNECT_DELAYS_MS = [100, 500, 1000, 2000, 5000];

/**
 * PostgreSQL LISTEN on one dedicated connection per process: every instance hears every other's
 * writes (and the CLI's) within milliseconds. While it is not connected, `live` is false.
 */
export function createPostgresChangeFeed(opts: { databaseUrl: string; logger: Logger }): ChangeFeed {
  const { subscribe, emit } = createSubscribers();
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let attempt = 0;
  let ping: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;

  function lost(reason: string) {
    if (ping) clearInterval(ping);
    ping = null;
    const wasLive = live;
    live = false;
    const c = client;
    client = null;
    c?.removeAllListeners('notification');
    c?.end().catch(() => undefined);
    emit({ tag: 'reset' });
    if (wasLive) opts.logger.warn('change notifications lost: caches fall back to the database', { reason });
    if (!closed && !retry) {
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)]!;
      retry = setTimeout(() => {
        retry = null;
        void connect();
      }, delay);
      retry.unref();
    }
  }

  async function connect(): Promise<void> {
    if (closed) return;
    // Named, so an operator (and the tests) can tell it in pg_stat_activity.
    const c = new pg.Client({
      connectionString: opts.databaseUrl,
      keepAlive: true,
      application_name: FEED_APPLICATION_NAME,
    });
    c.on('error', (err) => client === c && lost(err.message));
    c.on('end', () => client === c && lost('connection ended'));
    c.on('notification', (msg) => {
      const payload = msg.payload ?? '';
      const at = payload.indexOf(':');
      const tag = payload.slice(0, at);
      if (at > 0 && TAGS.has(tag)) emit({ tag: tag as ChangeTag, key: payload.slice(at + 1) });
    });
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      if (client === c) lost((err as Error).message);
      return;
    }
    if (client !== c || closed) return;
    // What changed before LISTEN took effect is unknown: start from empty caches.
    emit({ tag: 'reset' });
    live = true;
    attempt = 0;
    ping = setInterval(() => {
      const timeout = setTimeout(() => client === c && lost('ping timeout'), PING_INTERVAL_MS);
      c.query('select 1').then(
        () => clearTimeout(timeout),
        (err: Error) => {
          clearTimeout(timeout);
          if (client === c) lost(err.message);
        },
      );
    }, PING_INTERVAL_MS);
    ping.unref();
  }

  return {
    get live() {
      return live;
    },
    expectsNotifications: true,
    subscribe,
    emitLocal: emit,
    start: () => connect(),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      if (ping) clearInterval(ping);
      live = false;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
