import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { ConsoleSession } from '../../admins/console-sessions.js';
import { accountThrottle, formThrottle } from '../../rate-limits/form-throttle.js';
import { csrfTokenMatches, newCsrfToken } from '../../security/csrf.js';
import { formBody } from '../../security/form-body.js';
import { normalizeIp } from '../../security/ip-address.js';
import { countryOf } from '../../security/ip-country.js';
import type { RenderPage } from '../kit/view-renderer.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import { consoleCookie, preSessionCsrf } from './console-cookie.js';
import type { ConsoleGuard } from './console-guard.js';
import type { ConsoleDeps } from './console-deps.js';

const SIGN_IN_ERROR = 'The username or password is incorrect, or the account is temporarily locked.';
const CODE_ERROR = 'That code is not valid. Enter the current code from your authenticator app.';

/** The console's sign-in (password, then a TOTP or recovery code) and sign-out. */
export function consoleSignInRoutes(deps: ConsoleDeps & { render: RenderPage; guard: ConsoleGuard }): Router {
  const { config, sessions, auth, audit, render } = deps;
  const cookie = consoleCookie(config.production);
  const preCsrf = preSessionCsrf(config.production);
  const { current, signedIn, sessionCsrf, csrfFailed } = deps.guard;
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

  const showSignIn = async (ctx: Context, error: string | null = null, status = 200, username = '') => {
    let csrf = preCsrf.get(ctx);
    if (!csrf) preCsrf.set(ctx, (csrf = newCsrfToken()));
    return render(ctx, 'admin-sign-in', { title: 'Admin sign-in', error, username, csrfToken: csrf }, status);
  };
  const showCode = (ctx: Context, session: ConsoleSession, error: string | null = null, status = 200) =>
    render(ctx, 'admin-code', { title: 'Two-factor authentication', error, csrfToken: session.csrfToken }, status);

  const router = new Router();
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

  return router;
}
