import Router from '@koa/router';
import type { Context } from 'koa';
import { formBody } from '../../../security/form-body.js';
import { consoleCookie } from '../console-cookie.js';
import type { AdminsRouteKit } from './admins-kit.js';
import { adminHref } from './present-admins.js';

/**
 * Ending sessions, as `sessions:revoke` does, for the console's own sessions too: one session (no
 * step-up: that browser signs in again), or every session of an admin ("sign out everywhere", step-up).
 * Whoever ends their own current session lands on the sign-in page.
 */
export function adminSessionRoutes(kit: AdminsRouteKit): Router {
  const { deps, guard, render } = kit;
  const { management, consoleSessions, adminSessions, audit } = deps;
  const { signedIn, sessionCsrf, ownerOnly, stepUp } = guard;
  const cookie = consoleCookie(deps.production);
  const router = new Router();
  const findAdmin = async (username: string | undefined) =>
    username
      ? ((await management.list()).find((a) => a.username.toLowerCase() === username.toLowerCase()) ?? null)
      : null;
  const signedOut = (ctx: Context) => {
    cookie.clear(ctx);
    ctx.status = 303;
    ctx.redirect('/admin/sign-in');
  };

  router.post('/admin/admins/end-session', formBody(), signedIn, sessionCsrf, ownerOnly, async (ctx) => {
    const f = ctx.request.form ?? {};
    const c = ctx.state.console!;
    const from = await findAdmin(f.from);
    const back = from ? adminHref(from.username) : '/admin/admins';
    const notFound = () =>
      render(ctx, 'admin-message', { title: 'Not found', text: 'That session already ended.', back }, 404);
    if (f.kind === 'console' && f.session) {
      const own = consoleSessions.refOf(c.token) === f.session;
      const owner = (await consoleSessions.list()).find((s) => s.ref === f.session);
      if (!owner || !(await consoleSessions.endByRef(f.session))) return notFound();
      const admin = (await management.list()).find((a) => a.id === owner.adminId);
      await audit.record({
        type: 'console.sessions_ended',
        outcome: 'success',
        actor: c.username,
        details: { admin: admin?.username ?? owner.adminId, console: 1, consent: 0, scope: 'one' },
      });
      if (own) return signedOut(ctx);
    } else if (f.kind === 'consent' && f.session) {
      if (!(await adminSessions.revokeSession(f.session, c.username)).length) return notFound();
    } else {
      return render(ctx, 'admin-message', { title: 'Not found', text: 'No such session.', back }, 404);
    }
    ctx.status = 303;
    ctx.redirect(`${back}?done=session_ended`);
  });

  router.post(
    '/admin/admins/:username/sign-out-everywhere',
    formBody(),
    signedIn,
    sessionCsrf,
    ownerOnly,
    stepUp(async (ctx) => {
      const a = await findAdmin(ctx.params.username);
      if (!a) return null;
      const self = a.id === ctx.state.console!.adminId;
      return {
        title: self ? 'Sign yourself out everywhere?' : `Sign ${a.username} out everywhere?`,
        text:
          'Every session of the admin console and of the sign-in pages ends now; ' +
          (self ? 'you too go back to the sign-in page.' : 'they must sign in again on every browser.') +
          ' Grants approved earlier are not revoked (the Grants page does that).',
        confirmLabel: 'Sign out everywhere',
        back: adminHref(a.username),
      };
    }),
    async (ctx) => {
      const a = await findAdmin(ctx.params.username);
      if (!a)
        return render(ctx, 'admin-message', { title: 'Not found', text: 'No such admin.', back: '/admin/admins' }, 404);
      const c = ctx.state.console!;
      const consent = await adminSessions.revokeForAdmin(a.id, c.username);
      const ended = await consoleSessions.endForAdmin(a.id);
      await audit.record({
        type: 'console.sessions_ended',
        outcome: 'success',
        actor: c.username,
        details: { admin: a.username, console: ended, consent: consent.length, scope: 'everywhere' },
      });
      if (a.id === c.adminId) return signedOut(ctx);
      ctx.status = 303;
      ctx.redirect(`${adminHref(a.username)}?done=signed_out`);
    },
  );
  return router;
}
