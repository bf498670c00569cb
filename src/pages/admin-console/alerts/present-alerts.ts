import type { DeliveryStatus, OpenAlert } from '../../../alerts/alert-inbox.js';

const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const SEVERITY_CLASS: Record<string, string> = {
  critical: 'status-fail',
  high: 'status-fail',
  medium: 'status-warn',
  low: 'status-skip',
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const short = (d: Date | null) => (d ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}` : '—');

/** The alerts page's model: incidents by severity then recency, and the webhook's state in words. */
export function presentAlerts(open: OpenAlert[], d: DeliveryStatus) {
  const alerts = [...open]
    .sort(
      (a, b) =>
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
        b.lastSeenAt.getTime() - a.lastSeenAt.getTime(),
    )
    .map((a) => ({
      id: a.id,
      rule: a.rule,
      severity: a.severity,
      severityClass: SEVERITY_CLASS[a.severity] ?? 'status-warn',
      summary: a.summary,
      subject:
        [a.clientId && `app ${a.clientId}`, a.actor && a.actor !== 'system' && `admin ${a.actor}`, a.ip && `IP ${a.ip}`]
          .filter(Boolean)
          .join(', ') || '—',
      country: a.country,
      firstSeen: iso(a.firstSeenAt),
      firstSeenShort: short(a.firstSeenAt),
      lastSeen: iso(a.lastSeenAt),
      lastSeenShort: short(a.lastSeenAt),
      count: a.count,
    }));
  const row = (r: DeliveryStatus['pending'][number]) => ({
    id: r.id,
    rule: r.rule,
    created: iso(r.createdAt),
    createdShort: short(r.createdAt),
    attempts: r.attempts,
    next: iso(r.nextAttemptAt),
    nextShort: short(r.nextAttemptAt),
    failedShort: short(r.failedAt),
    lastError: r.lastError ?? '—',
  });
  let state: { text: string; class: string };
  if (!d.configured)
    state = {
      text:
        'Not configured: alerts are audited and kept here, but not sent ' +
        '(set ALERT_WEBHOOK_URL and ALERT_WEBHOOK_SECRET).',
      class: 'status-warn',
    };
  else if (d.failedCount > 0)
    state = { text: 'Configured, but some alerts could not be delivered after every retry.', class: 'status-fail' };
  else if (d.pending.some((p) => p.attempts > 0))
    state = { text: 'Configured; the webhook is failing and alerts are being retried.', class: 'status-warn' };
  else state = { text: 'Configured and delivering.', class: 'status-pass' };
  return {
    alerts,
    delivery: {
      configured: d.configured,
      target: d.target,
      state,
      lastDelivered: iso(d.lastDeliveredAt),
      lastDeliveredShort: short(d.lastDeliveredAt),
      lastFailed: iso(d.lastFailedAt),
      lastFailedShort: short(d.lastFailedAt),
      pendingCount: d.pendingCount,
      failedCount: d.failedCount,
      pending: d.pending.map(row),
      failed: d.failed.map(row),
    },
  };
}
