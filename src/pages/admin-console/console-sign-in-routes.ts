import { openedByCode } from '../../admins/passkey-service.js';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import {
  PASSKEY_ENROL_ERROR,
  PASSKEY_ERROR,
  PASSKEY_REQUIRED_ERROR,
  PASSKEY_SCRIPTS,
  passkeyForm,
  presentPasskeyEnrolment,
} from '../kit/present-sign-in.js';
import type { ConsoleSession } from '../../admins/console-sessions.js';
import { accountThrottle, formThrottle } from '../../rate-limits/form-throttle.js';
import { csrfTokenMatches, newCsrfToken } from '../../security/csrf.js';
import { formBody } from '../../security/form-body.js';
import { normalizeIp } from '../../security/ip-address.js';
import { countryOf } from '../../security/ip-country.js';
import type { RenderPage } from '../kit/view-renderer.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import { consoleBinding } from './console-binding.js';
import { consoleCookie, preSessionCsrf } from './console-cookie.js';
import type { ConsoleGuard } from './console-guard.js';
import type { ConsoleDeps } from './console-deps.js';

const SIGN_IN_ERROR = 'The username or password is incorrect, or the account is temporarily locked.';
const CODE_ERROR = 'That code is not valid. Enter the current code from your authenticator app.';

/** Passkey challenges of a console session are bound to it (the hash of its cookie value). */

/**
 * The console's sign-in (password, then a passkey, a TOTP or a recovery code) and sign-out.
 * `passkeys` comes with the deps from the composition root (runtime/web.ts).
 */
export function consoleSignInRoutes(deps: ConsoleDeps & { render: RenderPage; guard: ConsoleGuard }): Router {
  const { config, sessions, auth, audit, render, passkeys } = deps;
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
  const showCode = async (
    ctx: Context,
    pending: { session: ConsoleSession; token: string },
    error: string | null = null,
    status = 200,
  ) => {
    const { session, token } = pending;
    const adminId = session.adminId;
    const options = passkeys ? await passkeys.assertionOptions(adminId, consoleBinding(token), 'sign_in') : null;
    const codeAllowed = passkeys ? await passkeys.codeAllowed(adminId) : true;
    const passkey = options
      ? passkeyForm({
          action: '/admin/sign-in/passkey',
          options,
          lead: 'Confirm with your passkey: your fingerprint, face or device PIN.',
          button: 'Use a passkey',
          fallback: codeAllowed ? 'Enter your authentication code below instead.' : 'Turn JavaScript on to continue.',
        })
      : null;
    return render(
      ctx,
      'admin-code',
      {
        title: 'Two-factor authentication',
        error,
        csrfToken: session.csrfToken,
        passkey,
        codeAllowed,
        mustEnrolPasskey: passkeys ? await passkeys.mustEnrol(adminId) : false,
        ...(passkey ? { scripts: PASSKEY_SCRIPTS } : {}),
      },
      status,
    );
  };
  const showPasskeyEnrolment = async (
    ctx: Context,
    pending: { session: ConsoleSession; token: string },
    verifiedBy: 'totp' | 'recovery',
    error: string | null = null,
    status = 200,
  ) => {
    const admin = (await auth.findById(pending.session.adminId))!;
    const options = await passkeys!.registrationOptions(admin, consoleBinding(pending.token), verifiedBy);
    const page = presentPasskeyEnrolment({
      username: admin.username,
      csrfToken: pending.session.csrfToken,
      options,
      enrolAction: '/admin/sign-in/passkey-enrol',
      required: true,
      skipAction: null,
      error,
    });
    return render(ctx, 'passkey-enrol', page, status);
  };
  /** Signed in: a new session id (a value seen before the second factor, fixation, is worth nothing). */
  const signInDone = async (ctx: Context, pending: { session: ConsoleSession; token: string }, method: string) => {
    await passkeys?.store.dropChallenges(consoleBinding(pending.token));
    await sessions.end(pending.token);
    const admin = (await auth.findById(pending.session.adminId))!;
    const { token } = await sessions.create(admin.id, 'active', seen(ctx));
    await auth.recordLogin(admin, signInOrigin(ctx), method);
    cookie.set(ctx, token);
    ctx.status = 303;
    ctx.redirect('/admin');
  };
  const signInFailed = async (ctx: Context, pending: { token: string }) => {
    await passkeys?.store.dropChallenges(consoleBinding(pending.token));
    await sessions.end(pending.token);
    cookie.clear(ctx);
    return showSignIn(ctx, SIGN_IN_ERROR, 401);
  };

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
    const registration = passkeys ? await passkeys.pendingRegistration(consoleBinding(pending.token)) : null;
    if (openedByCode(registration?.verifiedBy)) return showPasskeyEnrolment(ctx, pending, registration.verifiedBy);
    return showCode(ctx, pending);
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
    const adminId = pending.session.adminId;
    if (passkeys && !(await passkeys.codeAllowed(adminId))) {
      const who = await auth.findById(adminId);
      if (who) await passkeys.codeRefused(who, signInOrigin(ctx), 'console_sign_in');
      return showCode(ctx, pending, PASSKEY_REQUIRED_ERROR, 401);
    }
    const result = await auth.verifyCode(adminId, ctx.request.form?.code ?? '', signInOrigin(ctx));
    if (!result.ok) {
      if (result.reason === 'invalid') return showCode(ctx, pending, CODE_ERROR, 401);
      return signInFailed(ctx, pending);
    }
    // ADMIN_SECOND_FACTOR=passkey and none yet: the code leads to the creation of one, nothing else.
    if (passkeys && (await passkeys.mustEnrol(adminId))) {
      await passkeys.registrationOptions((await auth.findById(adminId))!, consoleBinding(pending.token), result.method);
      ctx.status = 303;
      return ctx.redirect('/admin/sign-in/code');
    }
    return signInDone(ctx, pending, result.method);
  });
  router.post('/admin/sign-in/passkey', perIp, formBody(), loadPending, perAccountCode, async (ctx) => {
    const pending = ctx.state.pendingSignIn as Awaited<ReturnType<typeof current>>;
    if (!pending || !passkeys) return ctx.redirect('/admin/sign-in');
    if (!csrfTokenMatches(pending.session.csrfToken, ctx.request.form?._csrf)) return csrfFailed(ctx);
    const result = await passkeys.verifyAssertion({
      adminId: pending.session.adminId,
      binding: consoleBinding(pending.token),
      purpose: 'sign_in',
      response: ctx.request.form?.passkey_response,
      from: signInOrigin(ctx),
    });
    if (!result.ok) {
      if (result.reason === 'invalid' || result.reason === 'not_allowed')
        return showCode(ctx, pending, PASSKEY_ERROR, 401);
      return signInFailed(ctx, pending);
    }
    return signInDone(ctx, pending, 'passkey');
  });
  router.post('/admin/sign-in/passkey-enrol', perIp, formBody(), loadPending, perAccountCode, async (ctx) => {
    const pending = ctx.state.pendingSignIn as Awaited<ReturnType<typeof current>>;
    if (!pending || !passkeys) return ctx.redirect('/admin/sign-in');
    if (!csrfTokenMatches(pending.session.csrfToken, ctx.request.form?._csrf)) return csrfFailed(ctx);
    const binding = consoleBinding(pending.token);
    const registration = await passkeys.pendingRegistration(binding);
    if (!registration || !openedByCode(registration.verifiedBy) || registration.adminId !== pending.session.adminId) {
      ctx.status = 303;
      return ctx.redirect('/admin/sign-in/code');
    }
    const admin = await auth.findById(pending.session.adminId);
    if (!admin || admin.disabled || auth.isLocked(admin)) return signInFailed(ctx, pending);
    const result = await passkeys.finishRegistration({
      adminId: admin.id,
      binding,
      response: ctx.request.form?.passkey_response,
      name: ctx.request.form?.name,
      from: signInOrigin(ctx),
    });
    if (!result.ok) return showPasskeyEnrolment(ctx, pending, registration.verifiedBy, PASSKEY_ENROL_ERROR, 400);
    return signInDone(ctx, pending, `${registration.verifiedBy}+passkey_enrolled`);
  });
  router.post('/admin/sign-out', formBody(), signedIn, sessionCsrf, async (ctx) => {
    await sessions.end(ctx.state.console!.token);
    cookie.clear(ctx);
    ctx.status = 303;
    ctx.redirect('/admin/sign-in');
  });

  return router;
}
