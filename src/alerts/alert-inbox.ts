import type { Db } from '../db/create-db.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { AlertPayload, AlertSeverity } from './alert.js';

/** One open incident: the unacknowledged outbox rows of one dedup key (one per dedup window it recurred in). */
export interface OpenAlert extends Pick<
  AlertPayload,
  'rule' | 'severity' | 'summary' | 'clientId' | 'actor' | 'ip' | 'country' | 'dedupKey'
> {
  /** The newest row's id: what acknowledge() takes. */
  id: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** How many times it was raised (once per dedup window) while open. */
  count: number;
}

/** What the console shows of the webhook: never its secret, nor more of its URL than the host. */
export interface DeliveryStatus {
  configured: boolean;
  /** `https://hooks.example` (scheme and host only: a webhook path is often a credential). */
  target: string | null;
  lastDeliveredAt: Date | null;
  lastFailedAt: Date | null;
  pendingCount: number;
  failedCount: number;
  pending: OutboxRow[];
  failed: OutboxRow[];
}

export interface OutboxRow {
  id: string;
  rule: string;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date | null;
  failedAt: Date | null;
  lastError: string | null;
}

const SEVERITY_ORDER: AlertSeverity[] = ['critical', 'high', 'medium', 'low'];
const ROWS_SHOWN = 50;

/** Open incidents, most recent first (severity orders the console's view, not this). */
export async function openAlerts(db: Db, limit = 200): Promise<OpenAlert[]> {
  const rows: Record<string, unknown>[] = await db('alert_outbox')
    .select('dedup_key', 'rule')
    .select(
      db.raw('min(created_at) as first_seen'),
      db.raw('max(created_at) as last_seen'),
      db.raw('count(*) as n'),
      db.raw('(array_agg(id order by created_at desc, id desc))[1] as latest_id'),
      db.raw('(array_agg(payload order by created_at desc, id desc))[1] as latest'),
    )
    .whereNull('acknowledged_at')
    .groupBy('dedup_key', 'rule')
    .orderBy('last_seen', 'desc')
    .limit(limit);
  return rows.map((r) => {
    const p = (typeof r.latest === 'string' ? JSON.parse(r.latest) : r.latest) as AlertPayload;
    return {
      id: r.latest_id as string,
      rule: r.rule as string,
      severity: SEVERITY_ORDER.includes(p.severity) ? p.severity : 'medium',
      summary: p.summary,
      clientId: p.clientId ?? null,
      actor: p.actor ?? null,
      ip: p.ip ?? null,
      country: p.country ?? null,
      dedupKey: r.dedup_key as string,
      firstSeenAt: new Date(r.first_seen as string),
      lastSeenAt: new Date(r.last_seen as string),
      count: Number(r.n),
    };
  });
}

/**
 * Acknowledges the incident of alert `id`: every open row with its dedup key. Returns what was
 * acknowledged, or null when `id` is unknown or already acknowledged (nothing changed).
 */
export async function acknowledgeAlert(
  db: Db,
  id: string,
  opts: { by: string; now: Date },
): Promise<{ rule: string; dedupKey: string; count: number } | null> {
  return db.transaction(async (trx) => {
    const row = await trx('alert_outbox')
      .select('rule', 'dedup_key')
      .where({ id })
      .whereNull('acknowledged_at')
      .first();
    if (!row) return null;
    const done = await trx('alert_outbox')
      .where({ dedup_key: row.dedup_key })
      .whereNull('acknowledged_at')
      .update({ acknowledged_at: opts.now, acknowledged_by: opts.by }, ['id']);
    return { rule: row.rule as string, dedupKey: row.dedup_key as string, count: done.length };
  });
}

/** The webhook's side of the outbox: configured or not, last success and failure, rows waiting or abandoned. */
export async function deliveryStatus(db: Db, webhook: AlertsConfig['webhook']): Promise<DeliveryStatus> {
  const cols = ['id', 'rule', 'created_at', 'attempts', 'next_attempt_at', 'failed_at', 'last_error'];
  const pendingQ = () => db('alert_outbox').whereNull('delivered_at').whereNull('failed_at');
  const failedQ = () => db('alert_outbox').whereNotNull('failed_at');
  const [last, pendingCount, failedCount, pending, failed] = await Promise.all([
    db('alert_outbox').first(db.raw('max(delivered_at) as delivered'), db.raw('max(failed_at) as failed')),
    pendingQ().count({ n: '*' }).first(),
    failedQ().count({ n: '*' }).first(),
    pendingQ().select(cols).orderBy('created_at', 'desc').limit(ROWS_SHOWN),
    failedQ().select(cols).orderBy('failed_at', 'desc').limit(ROWS_SHOWN),
  ]);
  const scrub = scrubber(webhook);
  const toRow = (r: Record<string, unknown>): OutboxRow => ({
    id: r.id as string,
    rule: r.rule as string,
    createdAt: new Date(r.created_at as string),
    attempts: Number(r.attempts),
    nextAttemptAt: r.failed_at ? null : new Date(r.next_attempt_at as string),
    failedAt: r.failed_at ? new Date(r.failed_at as string) : null,
    lastError: r.last_error ? scrub(String(r.last_error)) : null,
  });
  const date = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    configured: Boolean(webhook.url && webhook.secret),
    target: webhook.url ? targetOf(webhook.url) : null,
    lastDeliveredAt: date(last?.delivered),
    lastFailedAt: date(last?.failed),
    pendingCount: Number((pendingCount as { n?: unknown } | undefined)?.n ?? 0),
    failedCount: Number((failedCount as { n?: unknown } | undefined)?.n ?? 0),
    pending: pending.map(toRow),
    failed: failed.map(toRow),
  };
}

function targetOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** An error text never carries the webhook's URL (path included) or secret, whatever the HTTP stack put in it. */
function scrubber(webhook: AlertsConfig['webhook']) {
  const target = webhook.url ? targetOf(webhook.url) : null;
  return (text: string) => {
    let s = text;
    if (webhook.secret) s = s.split(webhook.secret).join('[secret]');
    if (webhook.url) s = s.split(webhook.url.replace(/\/$/, '')).join(target ?? '[webhook]');
    return s.slice(0, 500);
  };
}
