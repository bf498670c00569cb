import type { AuditPageRow } from './audit-page-query.js';

/** An audit row as the page shows it: the columns, and the details to open (already redacted at write). */
export function presentAuditRow(r: AuditPageRow) {
  const at = r.at.toISOString();
  return {
    id: r.id,
    at,
    atShort: `${at.slice(0, 10)} ${at.slice(11, 19)}`,
    key: r.type,
    outcome: r.outcome,
    outcomeClass: OUTCOME_CLASS[r.outcome] ?? 'status-skip',
    actor: r.actor ?? '—',
    client: r.clientId ?? '—',
    ip: r.ip ?? '—',
    facts: [
      ['Event id', r.id],
      ['Request id', r.requestId],
      ['Route', r.route],
      ['Status', r.status === null ? null : String(r.status)],
      ['Duration', r.durationMs === null ? null : `${r.durationMs} ms`],
      ['Grant', r.grantId],
      ['Country', r.country],
      ['User agent', r.userAgent],
    ].map(([label, value]) => ({ label: label!, value: value ?? '—' })),
    details: JSON.stringify(r.details, null, 2),
  };
}

const OUTCOME_CLASS: Record<string, string> = {
  success: 'status-pass',
  info: 'status-skip',
  denied: 'status-warn',
  failure: 'status-fail',
};
