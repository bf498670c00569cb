import Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminSummary } from '../../../admins/admin-management.js';
import { ADMIN_ROLES } from '../../../admins/admin-store.js';
import { formBody } from '../../../security/form-body.js';
import { consoleCookie } from '../console-cookie.js';
import type { StepUpText } from '../console-step-up.js';
import type { AdminsRouteKit } from './admins-kit.js';
import { adminHref, fieldOfError, presentAdmin } from './present-admins.js';

const DONE: Record<string, string> = {
  created: 'The admin is created. They set up an authenticator app at their first sign-in.',
  role: 'The role is changed.',
  totp_reset: 'Two-factor authentication is reset: the admin sets up an authenticator app at the next sign-in.',
  unlocked: 'The admin is unlocked and may sign in again.',
  disabled: 'The admin is disabled: their sessions end, they cannot sign in or approve apps.',
  enabled: 'The admin is enabled again.',
  password: 'The password is changed. If it was another admin’s, their sessions are ended.',
  signed_out: 'Every session of the admin is ended.',
  session_ended: 'The session is ended: that browser must sign in again.',
};

type Action = (a: AdminSummary, ctx: Context) => Promise<string>;

/**
 * One admin's page and what `admins:set-role`, `reset-totp`, `unlock`, `disable`/`enable`,
 * `set-password` and `delete` do. Destructive ones (role, TOTP reset, disable, delete) ask for a
 * fresh code; unlock, enable and a new password do not (they take nothing away). Errors of the
 * admin rules (the last enabled owner stays) are shown in words on the admin's page.
 */
export function adminActionRoutes(kit: AdminsRouteKit): Router {
  const { deps, guard, render } = kit;
  const { management } = deps;
  const { signedIn, sessionCsrf, ownerOnly, stepUp } = guard;
  const router = new Router();
  const find = async (username: string | undefined) =>
    username
      ? ((await management.list()).find((a) => a.username.toLowerCase() === username.toLowerCase()) ?? null)
      : null;
  const notFound = (ctx: Context) =>
    render(ctx, 'admin-message', { title: 'Not found', text: 'No such admin.', back: '/admin/admins' }, 404);
  const by = (ctx: Context) => ctx.state.console!.username;

  async function showDetail(ctx: Context, a: AdminSummary, errors: Record<string, string> = {}, status = 200) {
    const q = ctx.query as Record<string, string | undefined>;
    return render(
      ctx,
      'admin-admins-detail',
      {
        title: `Admin ${a.username}`,
        admin: presentAdmin(a),
        self: a.id === ctx.state.console!.adminId,
        sessions: await kit.sessionsOf(ctx, a.id),
        roles: ADMIN_ROLES,
        errors,
        notice: status === 200 ? (DONE[String(q.done)] ?? null) : null,
        csrfToken: ctx.state.console!.session.csrfToken,
        back: a.username,
      },
      status,
    );
  }
  router.get('/admin/admins/:username', signedIn, async (ctx) => {
    const a = await find(ctx.params.username);
    return a ? showDetail(ctx, a) : notFound(ctx);
  });

  /** POST /admin/admins/:username/<name>: owner, CSRF, step-up when `describe` is given; then `run`. */
  function action(name: string, run: Action, describe?: (a: AdminSummary, ctx: Context) => StepUpText) {
    const confirm = describe
      ? stepUp(async (ctx) => {
          const a = await find(ctx.params.username);
          return a ? describe(a, ctx) : null;
        })
      : (_ctx: Context, next: () => Promise<unknown>) => next();
    router.post(
      `/admin/admins/:username/${name}`,
      formBody(),
      signedIn,
      sessionCsrf,
      ownerOnly,
      confirm,
      async (ctx) => {
        const a = await find(ctx.params.username);
        if (!a) return notFound(ctx);
        let target: string;
        try {
          target = await run(a, ctx);
        } catch (err) {
          const own = err as { field?: string; message: string };
          const e = fieldOfError(err) ?? (own.field ? { field: own.field, message: own.message } : null);
          if (!e) throw err;
          return showDetail(ctx, a, { [e.field]: e.message }, (err as { status?: number }).status ?? 400);
        }
        ctx.status = 303;
        ctx.redirect(target);
      },
    );
  }
  const done = (a: AdminSummary, code: string) => `${adminHref(a.username)}?done=${code}`;

  action(
    'role',
    async (a, ctx) => {
      await management.setRole(a.username, ctx.request.form?.role ?? '', by(ctx));
      return done(a, 'role');
    },
    (a, ctx) => ({
      title: `Make ${a.username} ${ctx.request.form?.role === 'owner' ? 'an owner' : 'an auditor'}?`,
      text:
        ctx.request.form?.role === 'owner'
          ? 'Owners can change everything: apps, grants, store links, admins.'
          : 'Auditors can read and export only; every change is refused to them.',
      confirmLabel: 'Change the role',
      back: adminHref(a.username),
    }),
  );
  action(
    'reset-totp',
    async (a, ctx) => {
      await management.resetTotp(a.username, by(ctx));
      return done(a, 'totp_reset');
    },
    (a) => ({
      title: `Reset two-factor authentication of ${a.username}?`,
      text: 'Their authenticator app and recovery codes stop working; they set up a new one at the next sign-in.',
      confirmLabel: 'Reset TOTP',
      back: adminHref(a.username),
    }),
  );
  action('unlock', async (a, ctx) => {
    await management.unlock(a.username, by(ctx));
    return done(a, 'unlocked');
  });
  action(
    'disable',
    async (a, ctx) => {
      await management.setDisabled(a.username, true, by(ctx));
      return done(a, 'disabled');
    },
    (a) => ({
      title: `Disable ${a.username}?`,
      text: 'They can no longer sign in or approve apps; their console sessions end at their next page.',
      confirmLabel: 'Disable the admin',
      back: adminHref(a.username),
    }),
  );
  action('enable', async (a, ctx) => {
    await management.setDisabled(a.username, false, by(ctx));
    return done(a, 'enabled');
  });
  action('password', async (a, ctx) => {
    const f = ctx.request.form ?? {};
    if (!f.password) throw fieldError('password', 'Enter the new password.');
    if (f.password !== f.password_confirm) throw fieldError('password_confirm', 'The two passwords differ.');
    await management.setPassword(a.username, f.password, by(ctx));
    // Another admin's password reset (a suspected compromise): their sessions end with the old password.
    if (a.id !== ctx.state.console!.adminId) {
      await deps.adminSessions.revokeForAdmin(a.id, by(ctx));
      await deps.consoleSessions.endForAdmin(a.id);
    }
    return done(a, 'password');
  });
  action(
    'delete',
    async (a, ctx) => {
      await management.delete(a.username, by(ctx));
      if (a.id !== ctx.state.console!.adminId) return '/admin/admins?done=deleted';
      // Deleting yourself ends your sessions with the account (they cascade): back to sign-in.
      consoleCookie(deps.production).clear(ctx);
      return '/admin/sign-in';
    },
    (a) => ({
      title: `Delete the admin ${a.username}?`,
      text:
        'The account, its sessions and every grant it approved are deleted: the apps it approved must be ' +
        'authorized again.',
      confirmLabel: 'Delete the admin',
      back: adminHref(a.username),
    }),
  );
  return router;
}

/** A form error raised by a route's own checks, shown like the management's. */
function fieldError(field: string, message: string) {
  return Object.assign(new Error(message), { field, status: 400 });
}
