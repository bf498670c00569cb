import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';
import { SESSION_DEDUP_WINDOW_S } from './long-session-rule.js';

const DAY_MS = 86_400_000;
/** Delivered or abandoned alerts stay this long in the outbox (their audit rows stay with the trail). */
export const OUTBOX_KEEP_DAYS = 30;

/**
 * The alert tables' clean-up, run with the server's expired-row clean-up: sent and abandoned outbox
 * rows after OUTBOX_KEEP_DAYS, and dedup marks older than every dedup window (ALERT_DEDUP_WINDOW_S, and
 * the long-session rule's own). The origins (each client's networks and countries seen) are the rules' baseline: kept.
 */
export async function pruneAlertTables(db: Db, clock: Clock, opts: { dedupWindowS: number }): Promise<number> {
  const now = clock.now();
  const outboxCutoff = new Date(now - OUTBOX_KEEP_DAYS * DAY_MS);
  const outbox = await db('alert_outbox')
    .where((q) => q.where('delivered_at', '<', outboxCutoff).orWhere('failed_at', '<', outboxCutoff))
    .delete(['id']); // rows, not a count: the embedded database's driver has no row count
  const dedup = await db('alert_dedup')
    .where('raised_at', '<', new Date(now - Math.max(opts.dedupWindowS, SESSION_DEDUP_WINDOW_S) * 1000))
    .delete(['dedup_key']);
  return outbox.length + dedup.length;
}
