import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { Readable } from 'node:stream';
import type { AuditLog } from '../../../audit/audit-log.js';
import { auditExportChunks } from '../../../audit/audit-export.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../../audit/audit-export-formats.js';
import type { Clock } from '../../../clock.js';
import type { Db } from '../../../db/create-db.js';
import { FILTER_NAMES, parseAuditFilters } from './audit-filters.js';

const MIME: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

/**
 * GET /admin/audit/export: the trail as a file, with the audit page's filters. Its query names
 * (format, key, client, actor, ip, outcome, since, until) are a public contract; a bad one answers
 * 400 with every problem in error_description.
 */
export function mountAuditExport(
  router: Router,
  signedIn: (ctx: Context, next: Next) => Promise<unknown>,
  deps: { db: Db; clock: Clock; audit: AuditLog },
): void {
  const { db, clock, audit } = deps;
  router.get('/admin/audit/export', signedIn, async (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    const format = (q.format ?? 'csv') as ExportFormat;
    const problems: string[] = [];
    if (!EXPORT_FORMATS.includes(format)) problems.push(`format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const { selection, values, errors } = parseAuditFilters(ctx.query);
    for (const name of FILTER_NAMES) if (errors[name]) problems.push(errors[name]);
    if (problems.length) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: problems.join('; ') };
      return;
    }
    const asked = (name: keyof typeof values) => values[name] || null;
    await audit.record({
      type: 'audit.exported',
      outcome: 'success',
      actor: ctx.state.console!.username,
      ip: ctx.ip,
      route: 'GET /admin/audit/export',
      details: {
        format,
        key: asked('key'),
        client: asked('client'),
        since: asked('since'),
        until: asked('until'),
        ip: asked('ip'),
        outcome: asked('outcome'),
      },
    });
    await audit.flush(); // the export includes the request for it
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
    ctx.set('Content-Disposition', `attachment; filename="audit-${stamp}.${format}"`);
    ctx.type = MIME[format];
    // Streamed page by page (keyset): memory stays one page, however large the trail.
    ctx.body = Readable.from(auditExportChunks(db, selection, format));
  });
}
