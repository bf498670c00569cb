import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { redact } from '../logging/logger.js';
import { sealStandalone } from '../audit/audit-chain.js';
import type { Alert, AlertPayload } from './alert.js';

/**
 * Records one alert in `trx`: the dedup mark, the outbox row and the `alert.raised` audit row commit
 * together or not at all. Returns the new alert's id, or null when the same dedup key was raised
 * within the window (by any instance: the upsert on alert_dedup only succeeds once per window).
 */
export async function recordAlert(
  trx: Knex.Transaction,
  alert: Alert,
  opts: { now: Date; dedupWindowS: number },
): Promise<string | null> {
  const { now } = opts;
  const windowS = alert.dedupWindowS ?? opts.dedupWindowS;
  const fresh = await trx.raw(
    `insert into alert_dedup (dedup_key, raised_at) values (?, ?)
     on conflict (dedup_key) do update set raised_at = excluded.raised_at
     where alert_dedup.raised_at <= ?
     returning dedup_key`,
    [alert.dedupKey, now, new Date(now.getTime() - windowS * 1000)],
  );
  if (!fresh.rows.length) return null;
  const id = randomUUID();
  const payload: AlertPayload = {
    id,
    rule: alert.rule,
    severity: alert.severity,
    summary: alert.summary,
    clientId: alert.clientId ?? null,
    actor: alert.actor ?? null,
    ip: alert.ip ?? null,
    country: alert.country ?? null,
    details: redact(alert.details ?? {}) as Record<string, unknown>,
    dedupKey: alert.dedupKey,
    raisedAt: now.toISOString(),
  };
  await trx('alert_outbox').insert({
    id,
    rule: alert.rule,
    dedup_key: alert.dedupKey,
    payload: JSON.stringify(payload),
    created_at: now,
    next_attempt_at: now,
  });
  // Written here rather than through the batched audit writer: the trail and the outbox agree. A
  // one-row hash chain of its own, so audit:verify checks it like any other row.
  await trx('audit_events').insert(
    sealStandalone({
      at: now,
      type: 'alert.raised',
      outcome: 'info',
      actor: alert.actor ?? 'system',
      client_id: alert.clientId ?? null,
      ip: alert.ip ?? null,
      country: alert.country ?? null,
      details: JSON.stringify({
        alertId: id,
        rule: alert.rule,
        severity: alert.severity,
        summary: alert.summary,
        dedupKey: alert.dedupKey,
        ...payload.details,
      }),
    }),
  );
  return id;
}
