// GET /admin/doctor: the `doctor` report for a signed-in admin, as a page or (format=json, or
// Accept: application/json) as the same JSON the CLI prints.
import Router from '@koa/router';
import type { RenderPage } from '../kit/view-renderer.js';
import type { ConsoleGuard } from './console-guard.js';

type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheckView {
  id: string;
  status: Status;
  message: string;
  fix: string;
  details: Record<string, unknown>;
}

export interface DoctorPageDeps {
  /** Runs the checks (runtime wiring: diagnostics/run-doctor.ts); null for an unknown client. */
  doctor(opts: { clientId?: string; actor: string }): Promise<{ checks: DoctorCheckView[] } | null>;
}

/** Status in words (never colour alone), and the badge it wears. */
const STATUS: Record<Status, { word: string; badge: string }> = {
  pass: { word: 'Pass', badge: 'badge badge-link-active' },
  warn: { word: 'Warning', badge: 'badge badge-link-pending' },
  fail: { word: 'Failed', badge: 'badge badge-link-failed' },
  skip: { word: 'Skipped', badge: 'badge' },
};

export function presentDoctor(checks: DoctorCheckView[], clientId: string | null) {
  const count = (s: Status) => checks.filter((c) => c.status === s).length;
  return {
    clientId,
    summary: `${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed, ${count('skip')} skipped`,
    jsonHref: `/admin/doctor?format=json${clientId ? `&client=${encodeURIComponent(clientId)}` : ''}`,
    rows: checks.map((c) => ({
      id: c.id,
      client: typeof c.details.client_id === 'string' ? c.details.client_id : '',
      statusWord: STATUS[c.status].word,
      badge: STATUS[c.status].badge,
      message: c.message,
      fix: c.status === 'pass' ? '' : c.fix,
    })),
  };
}

export function doctorPage(deps: DoctorPageDeps) {
  return (guard: ConsoleGuard, render: RenderPage): Router => {
    const router = new Router();
    // One run at a time per admin (and instance): each run probes the store and issues a throwaway
    // token, so a reloaded or scripted page must not multiply them.
    const running = new Set<string>();
    router.get('/admin/doctor', guard.signedIn, async (ctx, next) => {
      const who = ctx.state.console!.adminId;
      if (running.has(who)) {
        ctx.status = 429;
        ctx.set('Retry-After', '5');
        ctx.body = { error: 'too_many_requests', error_description: 'a diagnostics run of yours is in progress' };
        return;
      }
      running.add(who);
      try {
        await next();
      } finally {
        running.delete(who);
      }
    });
    router.get('/admin/doctor', async (ctx) => {
      const raw = typeof ctx.query.client === 'string' ? ctx.query.client.trim() : '';
      const clientId = raw || undefined;
      const json = ctx.query.format === 'json' || ctx.accepts('html', 'json') === 'json';
      const report = await deps.doctor({ clientId, actor: ctx.state.console!.username });
      if (!report) {
        if (json) {
          ctx.status = 404;
          ctx.body = { error: 'not_found', error_description: `no client ${raw}` };
          return;
        }
        return render(ctx, 'admin-doctor', { title: 'Diagnostics', notFound: raw, ...presentDoctor([], null) }, 404);
      }
      if (json) {
        ctx.body = { checks: report.checks };
        return;
      }
      return render(ctx, 'admin-doctor', {
        title: 'Diagnostics',
        notFound: null,
        ...presentDoctor(report.checks, clientId ?? null),
      });
    });
    return router;
  };
}
