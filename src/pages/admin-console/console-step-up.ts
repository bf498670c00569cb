import type { Context, Next } from 'koa';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { RenderPage } from '../kit/view-renderer.js';
import { signInOrigin } from '../kit/sign-in-origin.js';

/** What the confirmation page says about the action it guards. */
export interface StepUpText {
  /** "Delete the app “Acme ERP”?" */
  title: string;
  /** What happens, in words a store owner reads before confirming. */
  text: string;
  /** The confirm button: "Delete the app". */
  confirmLabel: string;
  /** Where Cancel goes. */
  back: string;
}

export type StepUp = (describe: (ctx: Context) => Promise<StepUpText | null> | StepUpText | null) => StepUpMiddleware;
type StepUpMiddleware = (ctx: Context, next: Next) => Promise<unknown>;

const CODE_ERROR = 'That code is not valid. Enter the current code from your authenticator app (or a recovery code).';
/** Form fields the confirmation page carries over to the real POST; never the code or the CSRF token. */
const CARRIED = (name: string) => name !== '_csrf' && name !== 'code' && /^[a-z_][a-z0-9_]{0,40}$/i.test(name);

/**
 * Step-up for destructive console actions, as consent does: the first POST (no code) answers a
 * confirmation page that repeats the form's fields and asks for a fresh TOTP or recovery code;
 * the second POST runs the action only if that code verifies (single-use, counted toward the
 * lockout like any code). After guard.signedIn, formBody(), guard.sessionCsrf and guard.ownerOnly.
 * `describe` returning null means the target does not exist: the handler answers that itself.
 */
export function createStepUp(deps: { auth: AdminAuth; audit: AuditLog; render: RenderPage }): StepUp {
  const { auth, audit, render } = deps;
  return (describe) => async (ctx, next) => {
    const c = ctx.state.console!;
    const form = ctx.request.form ?? {};
    const text = await describe(ctx);
    if (!text) return next();
    const show = (error: string | null, status: number) =>
      render(
        ctx,
        'admin-confirm',
        {
          ...text,
          action: ctx.path,
          fields: Object.entries(form).filter(([name]) => CARRIED(name)),
          csrfToken: c.session.csrfToken,
          error,
        },
        status,
      );
    if (!form.code) return show(null, 200);
    const result = await auth.verifyCode(c.adminId, form.code, signInOrigin(ctx));
    if (!result.ok) {
      void audit.record({
        type: 'console.step_up_failed',
        outcome: 'denied',
        actor: c.username,
        ip: ctx.ip,
        route: `${ctx.method} ${ctx.path}`,
        details: { reason: result.reason },
      });
      // Locked by this failure: the next page load signs the admin out (the guard checks the lock).
      return show(
        result.reason === 'locked' ? 'Too many invalid codes: your account is locked for now.' : CODE_ERROR,
        401,
      );
    }
    ctx.state.stepUp = { method: result.method };
    return next();
  };
}
