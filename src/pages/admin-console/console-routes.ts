import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { Readable } from 'node:stream';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { ConsoleSession, ConsoleSessions } from '../../admins/console-sessions.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { AUDIT_EVENT_TYPES, type AuditEventType } from '../../audit/audit-events.js';
import { auditExportChunks } from '../../audit/audit-export.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../audit/audit-export-formats.js';
import type { AuditSelection } from '../../audit/audit-selection.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/create-db.js';
import type { RateLimiter } from '../../rate-limits/rate-limiter.js';
import { accountThrottle, formThrottle } from '../../rate-limits/form-throttle.js';
import { csrfTokenMatches, newCsrfToken } from '../../security/csrf.js';
import { formBody } from '../../security/form-body.js';
import { normalizeIp } from '../../security/ip-address.js';
import { countryOf } from '../../security/ip-country.js';
import { securityHeaders } from '../../security/security-headers.js';
import { createViewRenderer, type RenderPage } from '../kit/view-renderer.js';
import { consoleCookie, preSessionCsrf } from './console-cookie.js';
import { createConsoleGuard, type ConsoleGuard } from './console-guard.js';
import { signInOrigin } from '../kit/sign-in-origin.js';

export interface ConsoleDeps {
  db: Db;
  clock: Clock;
  config: Config;
  audit: AuditLog;
  auth: AdminAuth;
  sessions: ConsoleSessions;
  limiter: RateLimiter;
  viewsDir?: string;
  /** Feature pages of the console (each its own router), mounted behind the same guard. */
  pages?: ((guard: ConsoleGuard, render: RenderPage) => Router)[];
}

const SIGN_IN_ERROR = 'The username or password is incorrect, or the account is temporarily locked.';
const CODE_ERROR = 'That code is not valid. Enter the current code from your authenticator app.';
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
  const render = createViewRenderer({ viewsDir: deps.viewsDir, cache: config.production, brandName: config.brandName });
  const cookie = consoleCookie(config.production);
  const preCsrf = preSessionCsrf(config.production);
  const throttleDeps = {
    limiter: deps.limiter,
    audit,
    route: (ctx: Context) => ctx.path,
    refuse: (ctx: Context, retryAfter: number) =>
      render(ctx, 'admin-message', { title: 'Too many attempts', text: `Try again in ${retryAfter} seconds.` }, 429),
    failOpen: config.securityOps.rateLimits.failOpen.signIn,
  };
  const perIp = formThrottle({ ...throttleDeps, limit: config.loginRateLimit });
  const seen = (ctx: Context) => {
    const ip = normalizeIp(ctx.ip);
    return { ip, country: countryOf(ip), userAgent: ctx.get('user-agent') || null };
  };

  const guard = createConsoleGuard({ production: config.production, sessions, auth, audit, render });
  const { current, signedIn, sessionCsrf, csrfFailed } = guard;

  const showSignIn = async (ctx: Context, error: string | null = null, status = 200, username = '') => {
    let csrf = preCsrf.get(ctx);
    if (!csrf) preCsrf.set(ctx, (csrf = newCsrfToken()));
    return render(ctx, 'admin-sign-in', { title: 'Admin sign-in', error, username, csrfToken: csrf }, status);
  };
  const showCode = (ctx: Context, session: ConsoleSession, error: string | null = null, status = 200) =>
    render(ctx, 'admin-code', { title: 'Two-factor authentication', error, csrfToken: session.csrfToken }, status);

  const router = new Router();
  router.use('/admin', securityHeaders({ production: config.production }));
  router.use('/admin', async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/admin/sign-in', async (ctx) => {
    if (await current(ctx, 'active')) return ctx.redirect('/admin');
    return showSignIn(ctx);
  });
  router.post(
    '/admin/sign-in',
    perIp,
    formBody(),
    async (ctx, next) => {
      const expected = preCsrf.get(ctx);
      if (!expected || !csrfTokenMatches(expected, ctx.request.form?._csrf)) return csrfFailed(ctx);
      await next();
    },
    accountThrottle({
      ...throttleDeps,
      limit: config.securityOps.rateLimits.signInPerAccount,
      account: (ctx) => ctx.request.form?.username || null,
    }),
    async (ctx) => {
      const form = ctx.request.form!;
      const username = (form.username ?? '').slice(0, 128);
      const result = await auth.verifyPassword(username, form.password ?? '', signInOrigin(ctx));
      if (!result.ok) return showSignIn(ctx, SIGN_IN_ERROR, 401, username);
      if (!result.admin.totpSecret)
        return render(
          ctx,
          'admin-message',
          {
            title: 'Set up two-factor authentication first',
            text: 'Sign in once through an app approval to enrol your authenticator app, then come back.',
          },
          403,
        );
      const { token } = await sessions.create(result.admin.id, 'password_ok', seen(ctx));
      cookie.set(ctx, token);
      ctx.status = 303;
      ctx.redirect('/admin/sign-in/code');
    },
  );
  router.get('/admin/sign-in/code', async (ctx) => {
    const pending = await current(ctx, 'password_ok');
    if (!pending) return ctx.redirect('/admin/sign-in');
    return showCode(ctx, pending.session);
  });
  // Read once per code POST: the per-account budget and the handler both need the pending session.
  const loadPending = async (ctx: Context, next: Next) => {
    ctx.state.pendingSignIn = await current(ctx, 'password_ok');
    await next();
  };
  // The same per-account budget as the password step: the pending session's admin.
  const perAccountCode = accountThrottle({
    ...throttleDeps,
    limit: config.securityOps.rateLimits.signInPerAccount,
    account: async (ctx) => {
      const pending = ctx.state.pendingSignIn as Awaited<ReturnType<typeof current>>;
      return pending ? ((await auth.findById(pending.session.adminId))?.username ?? null) : null;
    },
  });
  router.post('/admin/sign-in/code', perIp, formBody(), loadPending, perAccountCode, async (ctx) => {
    const pending = ctx.state.pendingSignIn as Awaited<ReturnType<typeof current>>;
    if (!pending) return ctx.redirect('/admin/sign-in');
    if (!csrfTokenMatches(pending.session.csrfToken, ctx.request.form?._csrf)) return csrfFailed(ctx);
    const result = await auth.verifyCode(pending.session.adminId, ctx.request.form?.code ?? '', signInOrigin(ctx));
    if (!result.ok) {
      if (result.reason === 'invalid') return showCode(ctx, pending.session, CODE_ERROR, 401);
      await sessions.end(pending.token);
      cookie.clear(ctx);
      return showSignIn(ctx, SIGN_IN_ERROR, 401);
    }
    // A new session id once signed in: a value seen before the code (fixation) is worth nothing.
    await sessions.end(pending.token);
    const admin = (await auth.findById(pending.session.adminId))!;
    const { token } = await sessions.create(admin.id, 'active', seen(ctx));
    await auth.recordLogin(admin, signInOrigin(ctx), result.method);
    cookie.set(ctx, token);
    ctx.status = 303;
    ctx.redirect('/admin');
  });
  router.post('/admin/sign-out', formBody(), signedIn, sessionCsrf, async (ctx) => {
    await sessions.end(ctx.state.console!.token);
    cookie.clear(ctx);
    ctx.status = 303;
    ctx.redirect('/admin/sign-in');
  });

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
