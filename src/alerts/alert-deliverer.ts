import { request, type Dispatcher } from 'undici';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { AlertPayload } from './alert.js';
import { signWebhook } from './webhook-signature.js';

/** Outbox rows one claim takes (and sends concurrently). */
const CLAIM_ROWS = 20;
/** A claimed row is due again after this, should its deliverer die mid-POST (then sent twice: at least once). */
const LEASE_MARGIN_MS = 60_000;

interface Claimed {
  id: string;
  attempts: number;
  payload: AlertPayload;
}

/**
 * Sends outbox rows to ALERT_WEBHOOK_URL. Rows are claimed with `for update skip locked` and leased
 * (next_attempt_at moved ahead) in one short transaction, so two instances never send one row at
 * the same time; the POST happens outside any transaction. 2xx = delivered; anything else is retried
 * with backoff and jitter up to ALERT_WEBHOOK_MAX_ATTEMPTS, then marked failed and audited.
 */
export function createAlertDeliverer(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  webhook: AlertsConfig['webhook'];
  dispatcher?: Dispatcher;
}) {
  const { db, clock, logger, audit, webhook } = deps;

  async function claim(): Promise<Claimed[]> {
    const now = clock.now();
    return db.transaction(async (trx) => {
      const due = await trx('alert_outbox')
        .select('id', 'attempts', 'payload')
        .whereNull('delivered_at')
        .whereNull('failed_at')
        .where('next_attempt_at', '<=', new Date(now))
        .orderBy('next_attempt_at')
        .limit(CLAIM_ROWS)
        .forUpdate()
        .skipLocked();
      if (!due.length) return [];
      await trx('alert_outbox')
        .whereIn(
          'id',
          due.map((r) => r.id),
        )
        .update({
          attempts: trx.raw('attempts + 1'),
          next_attempt_at: new Date(now + webhook.timeoutMs + LEASE_MARGIN_MS),
        });
      return due.map((r) => ({
        id: r.id as string,
        attempts: Number(r.attempts) + 1,
        payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as AlertPayload,
      }));
    });
  }

  async function post(row: Claimed): Promise<string | null> {
    const body = JSON.stringify(row.payload);
    const timestamp = Math.floor(clock.now() / 1000);
    try {
      const res = await request(webhook.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'magento-oauth2-bridge-alerts',
          'x-bridge-delivery': row.id,
          'x-bridge-timestamp': String(timestamp),
          'x-bridge-signature': signWebhook(webhook.secret!, timestamp, body),
        },
        body,
        headersTimeout: webhook.timeoutMs,
        bodyTimeout: webhook.timeoutMs,
        signal: AbortSignal.timeout(webhook.timeoutMs),
        dispatcher: deps.dispatcher,
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`;
    } catch (err) {
      return (err as Error).message || (err as Error).name;
    }
  }

  /** Retry n waits backoff[n-1] seconds (the last one repeats), plus up to 20 % so instances spread out. */
  function retryDelayMs(attempts: number): number {
    const base = webhook.backoffS[Math.min(attempts, webhook.backoffS.length) - 1]! * 1000;
    return Math.round(base * (1 + Math.random() * 0.2));
  }

  async function settle(row: Claimed, error: string | null): Promise<void> {
    const now = clock.now();
    const alertId = row.id;
    if (error === null) {
      await db('alert_outbox')
        .where({ id: row.id })
        .update({ delivered_at: new Date(now), last_error: null });
      await audit.record({ type: 'alert.delivered', outcome: 'success', actor: 'system', details: { alertId } });
    } else if (row.attempts >= webhook.maxAttempts) {
      await db('alert_outbox')
        .where({ id: row.id })
        .update({ failed_at: new Date(now), last_error: error });
      logger.error('alert webhook delivery failed for good', { alertId, attempts: row.attempts, error });
      await audit.record({
        type: 'alert.delivery_failed',
        outcome: 'failure',
        actor: 'system',
        details: { alertId, rule: row.payload.rule, attempts: row.attempts, error },
      });
    } else {
      const next = new Date(now + retryDelayMs(row.attempts));
      await db('alert_outbox').where({ id: row.id }).update({ next_attempt_at: next, last_error: error });
      logger.warn('alert webhook delivery failed, will retry', { alertId, attempts: row.attempts, error });
    }
  }

  return {
    /** Sends every due row (no URL: none); resolves with how many were delivered. */
    async deliverDue(): Promise<number> {
      if (!webhook.url || !webhook.secret) return 0;
      let delivered = 0;
      for (;;) {
        const rows = await claim();
        const errors = await Promise.all(rows.map((r) => post(r)));
        await Promise.all(rows.map((r, i) => settle(r, errors[i]!)));
        delivered += errors.filter((e) => e === null).length;
        if (rows.length < CLAIM_ROWS) return delivered;
      }
    },
  };
}

export type AlertDeliverer = ReturnType<typeof createAlertDeliverer>;
