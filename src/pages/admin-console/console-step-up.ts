import type { Context, Next } from 'koa';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { PasskeyService } from '../../admins/passkey-service.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { RenderPage } from '../kit/view-renderer.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import { PASSKEY_ERROR, PASSKEY_REQUIRED_ERROR, PASSKEY_SCRIPTS, passkeyForm } from '../kit/present-sign-in.js';
import { consoleBinding } from './console-binding.js';

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
const LOCKED_ERROR = 'Too many invalid codes: your account is locked for now.';
/** Form fields the confirmation page carries over to the real POST; never a proof or the CSRF token. */
const CARRIED = (name: string) =>
  name !== '_csrf' && name !== 'code' && name !== 'passkey_response' && /^[a-z_][a-z0-9_:.-]{0,80}$/i.test(name);

/**
 * Step-up for destructive console actions, as consent does: the first POST (no proof) answers a
 * confirmation page that repeats the form's fields and asks for a fresh TOTP or recovery code, or
 * a fresh passkey assertion (user verification; its challenge bound to this session); the second
 * POST runs the action only if that proof verifies (single-use, failures count toward the lockout).
 * ADMIN_SECOND_FACTOR applies: under `passkey`, codes are refused once the admin has a passkey.
 * After guard.signedIn, formBody(), guard.sessionCsrf and guard.ownerOnly.
 * `describe` returning null means no confirmation is needed here (or the target does not exist:
 * the handler answers that itself).
 */
export function createStepUp(deps: {
  auth: AdminAuth;
  audit: AuditLog;
  render: RenderPage;
  passkeys?: PasskeyService;
}): StepUp {
  const { auth, audit, render, passkeys } = deps;
  return (describe) => async (ctx, next) => {
    const c = ctx.state.console!;
    const form = ctx.request.form ?? {};
    const text = await describe(ctx);
    if (!text) return next();
    const binding = consoleBinding(c.token, 'console-step-up');
    const codeAllowed = passkeys ? await passkeys.codeAllowed(c.adminId) : true;
    const fields = Object.entries(form).filter(([name]) => CARRIED(name));
    const show = async (error: string | null, status: number) => {
      const options = passkeys ? await passkeys.assertionOptions(c.adminId, binding, 'step_up') : null;
      const passkey = options
        ? passkeyForm({
            action: ctx.path,
            options,
            lead: codeAllowed ? 'Or confirm with a passkey.' : 'Confirm with one of your passkeys.',
            button: `${text.confirmLabel} with a passkey`,
            fallback: codeAllowed ? 'Use the authentication code above instead.' : null,
            hidden: fields.map(([name, value]) => ({ name, value })),
          })
        : null;
      return render(
        ctx,
        'admin-confirm',
        {
          ...text,
          action: ctx.path,
          fields,
          csrfToken: c.session.csrfToken,
          codeAllowed,
          passkey,
          ...(passkey ? { scripts: PASSKEY_SCRIPTS } : {}),
          error,
        },
        status,
      );
    };
    const failed = (reason: string) =>
      void audit.record({
        type: 'console.step_up_failed',
        outcome: 'denied',
        actor: c.username,
        ip: ctx.ip,
        route: `${ctx.method} ${ctx.path}`,
        details: { reason },
      });

    if (form.passkey_response && passkeys) {
      const r = await passkeys.verifyStepUp({
        adminId: c.adminId,
        binding,
        response: form.passkey_response,
        from: signInOrigin(ctx),
      });
      if (!r.ok) {
        failed(`passkey_${r.reason}`);
        return show(r.reason === 'locked' ? LOCKED_ERROR : PASSKEY_ERROR, 401);
      }
      ctx.state.stepUp = { method: 'passkey' };
      return next();
    }
    if (!form.code) return show(null, 200);
    if (!codeAllowed) {
      // The policy, not a guess: nothing checked, nothing counted, but on the record.
      const admin = await auth.findById(c.adminId);
      if (admin) await passkeys!.codeRefused(admin, signInOrigin(ctx), 'console_step_up');
      return show(PASSKEY_REQUIRED_ERROR, 401);
    }
    const result = await auth.verifyCode(c.adminId, form.code, signInOrigin(ctx));
    if (!result.ok) {
      failed(result.reason);
      // Locked by this failure: the next page load signs the admin out (the guard checks the lock).
      return show(result.reason === 'locked' ? LOCKED_ERROR : CODE_ERROR, 401);
    }
    ctx.state.stepUp = { method: result.method };
    return next();
  };
}
