import type { Context, Next } from 'koa';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { PasskeyService } from '../../admins/passkey-service.js';
import type { AdminRole } from '../../admins/admin-store.js';
import type { ConsoleSession, ConsoleSessions } from '../../admins/console-sessions.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { csrfTokenMatches } from '../../security/csrf.js';
import type { RenderPage } from '../kit/view-renderer.js';
import { consoleCookie } from './console-cookie.js';
import { createStepUp, type StepUp } from './console-step-up.js';

declare module 'koa' {
  interface DefaultState {
    console?: { session: ConsoleSession; token: string; username: string; adminId: string; role: AdminRole };
  }
}

export interface ConsoleGuard {
  /** The session behind the cookie at `stage`, or null. */
  current(ctx: Context, stage: ConsoleSession['stage']): Promise<{ session: ConsoleSession; token: string } | null>;
  /** Lets signed-in admins through (ctx.state.console); others go to the sign-in page (GET) or get 401. */
  signedIn(ctx: Context, next: Next): Promise<unknown>;
  /** After signedIn: owners only. An auditor never sees write controls, and is refused (403) if it posts anyway. */
  ownerOnly(ctx: Context, next: Next): Promise<unknown>;
  /** After formBody(): the form's _csrf must be the session's. */
  sessionCsrf(ctx: Context, next: Next): Promise<unknown>;
  csrfFailed(ctx: Context): Promise<void>;
  /** Confirmation with a fresh code before a destructive action (console-step-up.ts). */
  stepUp: StepUp;
}

/** What every console page checks: the session cookie, the admin behind it, its role, the CSRF token of its forms. */
export function createConsoleGuard(deps: {
  production: boolean;
  sessions: ConsoleSessions;
  auth: AdminAuth;
  audit: AuditLog;
  render: RenderPage;
  passkeys?: PasskeyService;
}): ConsoleGuard {
  const { sessions, auth, audit, render } = deps;
  const cookie = consoleCookie(deps.production);
  const guard: ConsoleGuard = {
    async current(ctx, stage) {
      const token = cookie.get(ctx);
      const session = await sessions.find(token);
      return session && session.stage === stage ? { session, token: token! } : null;
    },
    async signedIn(ctx, next) {
      const found = await guard.current(ctx, 'active');
      if (!found) {
        if (ctx.method === 'GET') return ctx.redirect('/admin/sign-in');
        return render(ctx, 'admin-message', { title: 'Signed out', text: 'Your session ended. Sign in again.' }, 401);
      }
      const admin = await auth.findById(found.session.adminId);
      // Disabled or locked (failed codes, here or elsewhere) since signing in: the session ends now.
      if (!admin || admin.disabled || auth.isLocked(admin)) {
        await sessions.end(found.token);
        cookie.clear(ctx);
        return ctx.redirect('/admin/sign-in');
      }
      ctx.state.console = { ...found, username: admin.username, adminId: admin.id, role: admin.role };
      return next();
    },
    async ownerOnly(ctx, next) {
      const c = ctx.state.console!;
      if (c.role === 'owner') return next();
      void audit.record({
        type: 'console.refused',
        outcome: 'denied',
        actor: c.username,
        ip: ctx.ip,
        route: `${ctx.method} ${ctx.path}`,
        details: { role: c.role },
      });
      return render(
        ctx,
        'admin-message',
        {
          title: 'Not allowed for auditors',
          text: 'Your account is an auditor: it can read and export, but changes are for owners.',
          back: '/admin',
        },
        403,
      );
    },
    async sessionCsrf(ctx, next) {
      if (!csrfTokenMatches(ctx.state.console!.session.csrfToken, ctx.request.form?._csrf))
        return guard.csrfFailed(ctx);
      return next();
    },
    stepUp: createStepUp({ auth, audit, render, passkeys: deps.passkeys }),
    async csrfFailed(ctx) {
      void audit.record({ type: 'security.csrf_failed', outcome: 'denied', ip: ctx.ip, route: `POST ${ctx.path}` });
      return render(ctx, 'admin-message', { title: 'Form expired', text: 'Reload the page and try again.' }, 403);
    },
  };
  return guard;
}
