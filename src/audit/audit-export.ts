import type { Writable } from 'node:stream';
import type { Db } from '../db/create-db.js';
import { applyAuditSelection, type AuditSelection } from './audit-selection.js';
import { EXPORT_FORMATTERS, type ExportFormat, type ExportRecord } from './audit-export-formats.js';

/** Rows per keyset page and per chunk written. */
const PAGE = 1000;

function toRecord(r: Record<string, unknown>): ExportRecord {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r.id),
    at: new Date(r.at as string).toISOString(),
    key: r.type as string,
    outcome: text(r.outcome),
    actor: text(r.actor),
    client_id: text(r.client_id),
    grant_id: text(r.grant_id),
    ip: text(r.ip),
    country: text(r.country),
    user_agent: text(r.user_agent),
    route: text(r.route),
    status: num(r.status),
    duration_ms: num(r.duration_ms),
    request_id: text(r.request_id),
    details: (typeof r.details === 'string' ? JSON.parse(r.details) : (r.details ?? {})) as Record<string, unknown>,
    chain_id: text(r.chain_id),
    seq: num(r.seq),
    hash: text(r.hash),
  };
}

/**
 * The selected audit rows in `format`, oldest first, as chunks (one per page of rows): keyset
 * pagination by id, so memory is one page however many rows match. For the CLI and an HTTP route alike.
 */
export async function* auditExportChunks(db: Db, selection: AuditSelection, format: ExportFormat) {
  const f = EXPORT_FORMATTERS[format];
  yield f.head;
  let after: string | null = null;
  let index = 0;
  for (;;) {
    const q = db('audit_events').orderBy('id').limit(PAGE);
    if (after !== null) q.where('id', '>', after);
    const page = (await applyAuditSelection(q, selection)) as Record<string, unknown>[];
    if (page.length) yield page.map((r) => f.row(toRecord(r), index++)).join('');
    if (page.length < PAGE) break;
    after = String(page[page.length - 1]!.id);
  }
  yield f.tail;
}

/** Writes the export to `out`, waiting whenever `out` asks to (write() returned false). */
export async function exportAuditEvents(
  db: Db,
  selection: AuditSelection,
  format: ExportFormat,
  out: Writable,
): Promise<void> {
  for await (const chunk of auditExportChunks(db, selection, format)) {
    if (chunk && !out.write(chunk)) await drained(out);
  }
}

/** Resolves on 'drain'; fails if the stream errors or closes first (a reader that went away). */
function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(new Error('the output was closed before the export finished'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
