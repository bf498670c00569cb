import { openedByCode } from '../../admins/passkey-service.js';
import type { Context } from 'koa';
import type { AdminRecord } from '../../admins/admin-store.js';
import {
  interactionAction,
  PASSKEY_ENROL_ERROR,
  PASSKEY_ERROR,
  presentPasskeyEnrolment,
  SIGN_IN_ERROR,
} from '../kit/present-sign-in.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import { interactionBinding, redirectToInteraction, type SecondFactorProof, type StepContext } from './step-context.js';

interface SignInHelpers {
  base(ctx: Context, error?: string | null): Promise<{ uid: string; csrfToken: string; clientName: string }>;
  show(ctx: Context, error?: string | null, status?: number): Promise<void>;
  finishLogin(ctx: Context, adminId: string, method: SecondFactorProof['method']): Promise<string>;
  wrongPrompt(ctx: Context): boolean;
}

/**
 * The login prompt's passkey steps: an assertion instead of the code, and the creation of a
 * passkey right after a verified code (asked for with the checkbox, or required by
 * ADMIN_SECOND_FACTOR=passkey when the admin has none: the bootstrap). The pending registration
 * row (bound to this interaction, single-use, 5 minutes) is what proves the code was verified.
 */
export function passkeySignInSteps(s: StepContext, h: SignInHelpers) {
  const { deps, render, states, auth } = s;
  const { passkeys } = deps;

  async function showEnrolment(
    ctx: Context,
    admin: AdminRecord,
    verifiedBy: 'totp' | 'recovery',
    error: string | null = null,
    status = 200,
  ) {
    const b = await h.base(ctx, error);
    const required = await passkeys.mustEnrol(admin.id);
    const options = await passkeys.registrationOptions(admin, interactionBinding(b.uid), verifiedBy);
    const page = presentPasskeyEnrolment({
      username: admin.username,
      csrfToken: b.csrfToken,
      options,
      enrolAction: interactionAction(b.uid, 'passkey-enrol'),
      required,
      skipAction: required ? null : interactionAction(b.uid, 'passkey-skip'),
      skipLabel: 'Not now: continue without a passkey',
      abortAction: interactionAction(b.uid, 'abort'),
      clientName: b.clientName,
      error,
    });
    return render(ctx, 'passkey-enrol', page, status);
  }

  /** Locked or disabled meanwhile: back to the first step, with the sign-in page's one message. */
  async function restart(ctx: Context) {
    const flow = ctx.state.flow;
    await passkeys.store.dropChallenges(interactionBinding(flow.uid));
    await states.update(flow.uid, { adminId: null, stage: 'start', pendingTotpSecret: null });
    ctx.state.flow = { ...flow, adminId: null, stage: 'start' };
    return h.show(ctx, SIGN_IN_ERROR, 401);
  }

  async function finish(ctx: Context, admin: AdminRecord, method: SecondFactorProof['method'], audited: string) {
    await auth.recordLogin(admin, signInOrigin(ctx), audited);
    ctx.status = 303;
    ctx.redirect(await h.finishLogin(ctx, admin.id, method));
  }

  const ready = (ctx: Context) =>
    !h.wrongPrompt(ctx) && ctx.state.flow.stage === 'password_ok' && !!ctx.state.flow.adminId;

  return {
    showEnrolment,
    handlers: {
      /** The password was right; a passkey assertion answers the challenge of the TOTP page. */
      async postPasskey(ctx: Context) {
        if (!ready(ctx)) return redirectToInteraction(ctx);
        const flow = ctx.state.flow;
        const result = await passkeys.verifyAssertion({
          adminId: flow.adminId!,
          binding: interactionBinding(flow.uid),
          purpose: 'sign_in',
          response: ctx.request.form!.passkey_response,
          from: signInOrigin(ctx),
        });
        if (!result.ok)
          return result.reason === 'invalid' || result.reason === 'not_allowed'
            ? h.show(ctx, PASSKEY_ERROR, 401)
            : restart(ctx);
        return finish(ctx, (await auth.findById(flow.adminId!))!, 'passkey', 'passkey');
      },

      async postPasskeyEnrolment(ctx: Context) {
        if (!ready(ctx)) return redirectToInteraction(ctx);
        const flow = ctx.state.flow;
        const binding = interactionBinding(flow.uid);
        const pending = await passkeys.pendingRegistration(binding);
        if (!pending || !openedByCode(pending.verifiedBy) || pending.adminId !== flow.adminId)
          return redirectToInteraction(ctx);
        const admin = await auth.findById(flow.adminId!);
        if (!admin || admin.disabled || auth.isLocked(admin)) return restart(ctx);
        const form = ctx.request.form!;
        const result = await passkeys.finishRegistration({
          adminId: admin.id,
          binding,
          response: form.passkey_response,
          name: form.name,
          from: signInOrigin(ctx),
        });
        if (!result.ok) return showEnrolment(ctx, admin, pending.verifiedBy, PASSKEY_ENROL_ERROR, 400);
        // Under `passkey` the login now rests on the passkey just created (with user verification).
        const method = passkeys.policy === 'passkey' ? 'passkey' : pending.verifiedBy;
        return finish(ctx, admin, method, `${pending.verifiedBy}+passkey_enrolled`);
      },

      /** Only when the passkey was optional: the code already verified finishes the login. */
      async postPasskeySkip(ctx: Context) {
        if (!ready(ctx)) return redirectToInteraction(ctx);
        const flow = ctx.state.flow;
        if (await passkeys.mustEnrol(flow.adminId!)) return h.show(ctx);
        const pending = await passkeys.cancelRegistration(interactionBinding(flow.uid));
        if (!pending || !openedByCode(pending.verifiedBy) || pending.adminId !== flow.adminId)
          return redirectToInteraction(ctx);
        const admin = await auth.findById(flow.adminId!);
        if (!admin || admin.disabled || auth.isLocked(admin)) return restart(ctx);
        return finish(ctx, admin, pending.verifiedBy, pending.verifiedBy);
      },
    },
  };
}
