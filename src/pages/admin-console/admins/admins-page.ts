import Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { ADMIN_ROLES } from '../../../admins/admin-store.js';
import { formBody } from '../../../security/form-body.js';
import type { ConsolePage } from '../console-deps.js';
import { adminActionRoutes } from './admin-action-routes.js';
import { adminSessionRoutes } from './admin-session-routes.js';
import type { AdminsPageDeps, AdminsRouteKit } from './admins-kit.js';
import { fieldOfError, presentAdmin, presentSessions } from './present-admins.js';

export type { AdminsPageDeps, AdminsRouteKit };

const DONE: Record<string, string> = {
  deleted: 'The admin is deleted, with its sessions and the grants it approved.',
  session_ended: 'The session is ended: that browser must sign in again.',
};

/**
 * Admins at /admin/admins: what `admins:*` and `sessions:*` do. The list, create (TOTP now, shown
 * once, or at the first sign-in), and every session of the console and of the sign-in pages.
 */
export function adminsPage(deps: AdminsPageDeps): ConsolePage {
  const { management } = deps;
  return (guard, render) => {
    const router = new Router();
    const { signedIn, sessionCsrf, ownerOnly } = guard;
    const kit: AdminsRouteKit = {
      deps,
      guard,
      render,
      async sessionsOf(ctx, adminId) {
        const usernames = new Map((await management.list()).map((a) => [a.id, a.username]));
        return presentSessions({
          console: await deps.consoleSessions.list({ adminId }),
          consent: await deps.adminSessions.list({ adminId }),
          usernames,
          currentRef: deps.consoleSessions.refOf(ctx.state.console!.token),
          now: deps.clock.now(),
        });
      },
    };

    async function showList(ctx: Context, form: Record<string, string> = {}, errors: Record<string, string> = {}) {
      const q = ctx.query as Record<string, string | undefined>;
      const status = Object.keys(errors).length ? 400 : 200;
      return render(
        ctx,
        'admin-admins',
        {
          title: 'Admins',
          admins: (await management.list()).map(presentAdmin),
          sessions: await kit.sessionsOf(ctx),
          roles: ADMIN_ROLES,
          form: { username: form.username ?? '', role: form.role ?? 'auditor', totp: form.totp ?? 'now' },
          errors,
          notice: DONE[String(q.done)] ?? null,
          csrfToken: ctx.state.console!.session.csrfToken,
          back: '/admin/admins',
        },
        status,
      );
    }
    router.get('/admin/admins', signedIn, (ctx) => showList(ctx));

    // Create is not destructive: no step-up. The TOTP secret and recovery codes are shown once, on
    // this response (never in a URL).
    router.post('/admin/admins/create', formBody(), signedIn, sessionCsrf, ownerOnly, async (ctx) => {
      const f = ctx.request.form ?? {};
      const errors: Record<string, string> = {};
      if (!f.username?.trim()) errors.username = 'Enter a username.';
      if (!f.password) errors.password = 'Enter an initial password.';
      else if (f.password !== f.password_confirm) errors.password_confirm = 'The two passwords differ.';
      if (!(ADMIN_ROLES as readonly string[]).includes(f.role ?? '')) errors.role = 'Choose a role.';
      if (Object.keys(errors).length) return showList(ctx, f, errors);
      try {
        const { admin, enrolment } = await management.create({
          username: f.username!,
          password: f.password!,
          withTotp: f.totp !== 'later',
          role: f.role,
          by: ctx.state.console!.username,
        });
        const qrDataUri = enrolment
          ? await QRCode.toDataURL(enrolment.otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 220 })
          : null;
        return render(ctx, 'admin-admins-created', {
          title: `Admin ${admin.username} created`,
          admin: presentAdmin(admin),
          enrolment: enrolment
            ? {
                otpauthUri: enrolment.otpauthUri,
                qrDataUri,
                secretGroups: enrolment.secret.match(/.{1,4}/g) ?? [enrolment.secret],
                recoveryCodes: enrolment.recoveryCodes,
              }
            : null,
        });
      } catch (err) {
        const e = fieldOfError(err);
        if (!e) throw err;
        return showList(ctx, f, { [e.field]: e.message });
      }
    });

    router.use(adminSessionRoutes(kit).routes());
    router.use(adminActionRoutes(kit).routes());
    return router;
  };
}
