import type { Db } from '../../../db/create-db.js';
import { applyAuditSelection, type AuditSelection } from '../../../audit/audit-selection.js';

/** A keyset position in the trail, newest first: the row (at, id) a page starts below. */
export interface AuditCursor {
  at: Date;
  id: string;
}

export interface AuditPageRow {
  id: string;
  at: Date;
  type: string;
  outcome: string;
  actor: string | null;
  clientId: string | null;
  grantId: string | null;
  ip: string | null;
  country: string | null;
  userAgent: string | null;
  route: string | null;
  status: number | null;
  durationMs: number | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** `<ISO time>_<id>`: readable, and only ever parsed back into a Date and a digit string. */
export function encodeCursor(c: AuditCursor): string {
  return `${c.at.toISOString()}_${c.id}`;
}

export function decodeCursor(s: string): AuditCursor | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)_(\d{1,19})$/.exec(s);
  if (!m) return null;
  const at = new Date(m[1]!);
  return Number.isNaN(at.getTime()) ? null : { at, id: m[2]! };
}

/**
 * One page of the selected rows, newest first by (at, id), starting below `before`: keyset, not
 * offset, so a page costs the same deep in the trail and rows written meanwhile shift nothing.
 */
export async function auditPage(
  db: Db,
  selection: AuditSelection,
  opts: { before: AuditCursor | null; limit: number },
): Promise<{ rows: AuditPageRow[]; next: AuditCursor | null }> {
  const q = db('audit_events')
    .orderBy([
      { column: 'at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(opts.limit + 1);
  const before = opts.before;
  if (before) {
    // The at bound alone lets the (at) and (type, at) indexes take the range; the pair breaks ties.
    q.where('at', '<=', before.at).where((w) =>
      w.where('at', '<', before.at).orWhere((t) => t.where('at', '=', before.at).where('id', '<', before.id)),
    );
  }
  const found = (await applyAuditSelection(q, selection)) as Record<string, unknown>[];
  const rows = found.slice(0, opts.limit).map(toRow);
  const last = rows[rows.length - 1];
  return { rows, next: found.length > opts.limit && last ? { at: last.at, id: last.id } : null };
}

function toRow(r: Record<string, unknown>): AuditPageRow {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    at: new Date(r.at as string),
    type: r.type as string,
    outcome: r.outcome as string,
    actor: text(r.actor),
    clientId: text(r.client_id),
    grantId: text(r.grant_id),
    ip: text(r.ip),
    country: text(r.country),
    userAgent: text(r.user_agent),
    route: text(r.route),
    status: num(r.status),
    durationMs: num(r.duration_ms),
    requestId: text(r.request_id),
    details: (typeof r.details === 'string' ? JSON.parse(r.details) : (r.details ?? {})) as Record<string, unknown>,
  };
}
