import Router from '@koa/router';
import { AUDIT_EVENT_TYPES } from '../../../audit/audit-events.js';
import { EXPORT_FORMATS } from '../../../audit/audit-export-formats.js';
import type { Db } from '../../../db/create-db.js';
import type { ConsolePage } from '../console-deps.js';
import { AUDIT_OUTCOMES, filterQuery, parseAuditFilters } from './audit-filters.js';
import { auditPage as readAuditPage, decodeCursor, encodeCursor } from './audit-page-query.js';
import { presentAuditRow } from './present-audit-row.js';

/** Rows per page of the audit page. */
export const AUDIT_PAGE_SIZE = 50;

/**
 * /admin/audit: the trail, newest first, filtered by time, key, client, actor, IP and outcome;
 * paged by keyset (`?before=<at>_<id>`); each row opens to its details; exports with the same filters.
 */
export function auditPage(deps: { db: Db; pageSize?: number }): ConsolePage {
  const limit = deps.pageSize ?? AUDIT_PAGE_SIZE;
  return (guard, render) => {
    const router = new Router();
    router.get('/admin/audit', guard.signedIn, async (ctx) => {
      const { selection, values, errors } = parseAuditFilters(ctx.query);
      const beforeRaw = typeof ctx.query.before === 'string' ? ctx.query.before : '';
      const before = beforeRaw ? decodeCursor(beforeRaw) : null;
      const pageError =
        beforeRaw && !before ? 'That page link is not valid: start again from the newest events.' : null;
      const bad = Object.keys(errors).length > 0 || pageError !== null;
      const page = bad ? { rows: [], next: null } : await readAuditPage(deps.db, selection, { before, limit });
      const errorIds = Object.keys(errors).map((n) => `${n}-error`);
      return render(
        ctx,
        'admin-audit',
        {
          title: 'Audit',
          values,
          errors,
          error: pageError ?? (errorIds.length ? 'Some filters are not valid: see the fields marked below.' : null),
          eventTypes: AUDIT_EVENT_TYPES,
          outcomes: AUDIT_OUTCOMES,
          formats: EXPORT_FORMATS,
          rows: page.rows.map(presentAuditRow),
          filtered: Object.values(values).some(Boolean),
          paged: before !== null,
          exportQuery: (format: string) => filterQuery(values, { format }),
          newestHref: `/admin/audit${filterQuery(values) ? `?${filterQuery(values)}` : ''}`,
          olderHref: page.next ? `/admin/audit?${filterQuery(values, { before: encodeCursor(page.next) })}` : null,
        },
        bad ? 400 : 200,
      );
    });
    return router;
  };
}
