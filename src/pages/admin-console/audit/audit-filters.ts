import { isIP } from 'node:net';
import { AUDIT_EVENT_TYPES, type AuditEventType, type AuditOutcome } from '../../../audit/audit-events.js';
import type { AuditSelection } from '../../../audit/audit-selection.js';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied', 'info'];

/** The query names of the audit filters: the page's form and GET /admin/audit/export (a public contract). */
export const FILTER_NAMES = ['key', 'client', 'actor', 'ip', 'outcome', 'since', 'until'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

export interface ParsedAuditFilters {
  selection: AuditSelection;
  /** What was asked, as typed (to refill the form and build the export links). */
  values: Record<FilterName, string>;
  /** Problems in words, by field (the page shows each next to its field; the export joins them). */
  errors: Partial<Record<FilterName, string>>;
}

const MAX_LENGTH = 200;

/** The audit filters of a query string, checked: unknown key, bad date, bad IP or outcome are errors. */
export function parseAuditFilters(query: Record<string, unknown>): ParsedAuditFilters {
  const one = (name: string) => {
    const v = query[name];
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === 'string' ? s.trim() : '';
  };
  const values = Object.fromEntries(FILTER_NAMES.map((n) => [n, one(n)])) as Record<FilterName, string>;
  const selection: AuditSelection = {};
  const errors: ParsedAuditFilters['errors'] = {};
  for (const n of FILTER_NAMES)
    if (values[n].length > MAX_LENGTH) errors[n] = `${n} must be at most ${MAX_LENGTH} characters`;
  if (values.key && !errors.key) {
    if (!AUDIT_EVENT_TYPES.includes(values.key as AuditEventType)) errors.key = `unknown key "${values.key}"`;
    else selection.type = values.key as AuditEventType;
  }
  if (values.client && !errors.client) selection.clientId = values.client;
  if (values.actor && !errors.actor) selection.actor = values.actor;
  if (values.ip && !errors.ip) {
    if (!isIP(values.ip)) errors.ip = 'ip must be an IPv4 or IPv6 address';
    else selection.ip = values.ip;
  }
  if (values.outcome && !errors.outcome) {
    if (!AUDIT_OUTCOMES.includes(values.outcome as AuditOutcome))
      errors.outcome = `outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`;
    else selection.outcome = values.outcome as AuditOutcome;
  }
  for (const bound of ['since', 'until'] as const) {
    if (!values[bound] || errors[bound]) continue;
    const when = new Date(values[bound]);
    if (Number.isNaN(when.getTime())) errors[bound] = `${bound} must be an ISO date or time`;
    else selection[bound] = when;
  }
  return { selection, values, errors };
}

/** The filters that are set, as a query string (for the export links and the pager). */
export function filterQuery(values: Record<FilterName, string>, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  for (const n of FILTER_NAMES) if (values[n]) q.set(n, values[n]);
  return q.toString();
}
