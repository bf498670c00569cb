import Router from '@koa/router';
import { Readable } from 'node:stream';
import { AUDIT_EVENT_TYPES, type AuditEventType } from '../../audit/audit-events.js';
import { auditExportChunks } from '../../audit/audit-export.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../audit/audit-export-formats.js';
import type { AuditSelection } from '../../audit/audit-selection.js';
import { securityHeaders } from '../../security/security-headers.js';
import { createViewRenderer } from '../kit/view-renderer.js';
import { createConsoleGuard } from './console-guard.js';
import { consoleRenderer } from './console-nav.js';
import { consoleSignInRoutes } from './console-sign-in-routes.js';
import type { ConsoleDeps } from './console-deps.js';

export type { ConsoleDeps };

const MIME: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

/**
 * The admin console at /admin: its own sign-in (password, then a TOTP or recovery code) and session
 * cookie, and for now the audit trail's export. Every POST carries a CSRF token.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const { config, clock, sessions, auth, audit } = deps;
  const render = consoleRenderer(
    createViewRenderer({ viewsDir: deps.viewsDir, cache: config.production, brandName: config.brandName }),
    { idleMinutes: config.adminConsole.idleMinutes },
  );
  const guard = createConsoleGuard({ production: config.production, sessions, auth, audit, render });
  const { signedIn } = guard;

  const router = new Router();
  router.use('/admin', securityHeaders({ production: config.production }));
  router.use('/admin', async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.use(consoleSignInRoutes({ ...deps, render, guard }).routes());

  router.get('/admin', signedIn, async (ctx) => {
    const c = ctx.state.console!;
    return render(ctx, 'admin-home', {
      title: 'Admin console',
      username: c.username,
      csrfToken: c.session.csrfToken,
      idleMinutes: config.adminConsole.idleMinutes,
      expiresAt: c.session.expiresAt.toISOString(),
      eventTypes: AUDIT_EVENT_TYPES,
      formats: EXPORT_FORMATS,
    });
  });

  router.get('/admin/audit/export', signedIn, async (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    const format = (q.format ?? 'csv') as ExportFormat;
    const problems: string[] = [];
    if (!EXPORT_FORMATS.includes(format)) problems.push(`format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const selection: AuditSelection = {};
    if (q.key) {
      if (!AUDIT_EVENT_TYPES.includes(q.key as AuditEventType)) problems.push(`unknown key "${q.key}"`);
      else selection.type = q.key as AuditEventType;
    }
    if (q.client) selection.clientId = q.client;
    if (q.actor) selection.actor = q.actor;
    for (const bound of ['since', 'until'] as const) {
      if (!q[bound]) continue;
      const when = new Date(q[bound]!);
      if (Number.isNaN(when.getTime())) problems.push(`${bound} must be an ISO date or time`);
      else selection[bound] = when;
    }
    if (problems.length) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: problems.join('; ') };
      return;
    }
    await audit.record({
      type: 'audit.exported',
      outcome: 'success',
      actor: ctx.state.console!.username,
      ip: ctx.ip,
      route: 'GET /admin/audit/export',
      details: { format, key: q.key ?? null, client: q.client ?? null, since: q.since ?? null, until: q.until ?? null },
    });
    await audit.flush(); // the export includes the request for it
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, '-');
    ctx.set('Content-Disposition', `attachment; filename="audit-${stamp}.${format === 'jsonl' ? 'jsonl' : format}"`);
    ctx.type = MIME[format];
    // Streamed page by page (keyset): memory stays one page, however large the trail.
    ctx.body = Readable.from(auditExportChunks(deps.db, selection, format));
  });
  for (const page of deps.pages ?? []) router.use(page(guard, render).routes());
  return router;
}
