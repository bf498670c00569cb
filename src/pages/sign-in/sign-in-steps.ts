import { openedByCode } from '../../admins/passkey-service.js';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import {
  presentEnrolment,
  presentLogin,
  presentRecoveryCodes,
  presentTotp,
  SIGN_IN_ERROR,
  CODE_ERROR,
  PASSKEY_REQUIRED_ERROR,
} from '../kit/present-sign-in.js';
import { loadClientInfo } from './client-info.js';
import { interactionBinding, redirectToInteraction, type SecondFactorProof, type StepContext } from './step-context.js';
import { signInOrigin } from '../kit/sign-in-origin.js';
import { passkeySignInSteps } from './passkey-sign-in-steps.js';

const pendingAad = (uid: string) => `interaction:totp:${uid}`;

/** Login prompt: password, then a passkey, a TOTP or a recovery code (or first-time enrolment). */
export function signInSteps(s: StepContext) {
  const { deps, render, states, auth } = s;
  const { provider, box, clock, passkeys } = deps;

  async function base(ctx: Context, error: string | null = null) {
    const client = await loadClientInfo(provider, String(ctx.state.interaction.params.client_id));
    return { uid: ctx.state.interaction.uid, csrfToken: ctx.state.flow.csrfToken, clientName: client.name, error };
  }

  async function show(ctx: Context, error: string | null = null, status = 200, username = '') {
    const flow = ctx.state.flow;
    const admin = flow.stage === 'password_ok' && flow.adminId ? await auth.findById(flow.adminId) : null;
    if (!admin) return render(ctx, 'login', presentLogin({ ...(await base(ctx, error)), username }), status);
    if (admin.totpSecret) {
      const binding = interactionBinding(flow.uid);
      // A code was verified in this interaction and a passkey is to be created (asked for, or required).
      const pending = await passkeys.pendingRegistration(binding);
      if (pending && openedByCode(pending.verifiedBy) && pending.adminId === admin.id)
        return passkeySteps.showEnrolment(ctx, admin, pending.verifiedBy, error, status);
      const page = presentTotp({
        ...(await base(ctx, error)),
        username: admin.username,
        passkeyOptions: await passkeys.assertionOptions(admin.id, binding, 'sign_in'),
        codeAllowed: await passkeys.codeAllowed(admin.id),
        offerPasskey: passkeys.passkeysAccepted(),
        mustEnrolPasskey: await passkeys.mustEnrol(admin.id),
      });
      return render(ctx, 'totp', page, status);
    }
    if (!flow.pendingTotpSecret) {
      // TOTP was reset after the password step: start an enrolment now.
      flow.pendingTotpSecret = box.seal(auth.newTotpSecret(), pendingAad(flow.uid));
      await states.update(flow.uid, { pendingTotpSecret: flow.pendingTotpSecret });
    }
    const secret = box.open(flow.pendingTotpSecret, pendingAad(flow.uid));
    const otpauthUri = auth.keyUri(admin.username, secret);
    const qrDataUri = await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
    return render(
      ctx,
      'enrol',
      presentEnrolment({ ...(await base(ctx, error)), username: admin.username, secret, otpauthUri, qrDataUri }),
      status,
    );
  }

  async function finishLogin(ctx: Context, adminId: string, method: SecondFactorProof['method']): Promise<string> {
    const mfa: SecondFactorProof = { accountId: adminId, at: clock.now(), method };
    const amr = method === 'passkey' ? ['pwd', 'pop'] : ['pwd', 'otp'];
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: adminId, amr, remember: true }, mfa },
      { mergeWithLastSubmission: false },
    );
    await states.remove(ctx.state.interaction.uid);
    return returnTo;
  }

  const wrongPrompt = (ctx: Context) => ctx.state.interaction.prompt.name !== 'login';
  const passkeySteps = passkeySignInSteps(s, { base, show, finishLogin, wrongPrompt });

  return {
    show: (ctx: Context) => show(ctx),

    async postPassword(ctx: Context) {
      if (wrongPrompt(ctx)) return redirectToInteraction(ctx);
      const form = ctx.request.form!;
      const username = (form.username ?? '').slice(0, 128);
      const result = await auth.verifyPassword(username, form.password ?? '', signInOrigin(ctx));
      if (!result.ok) return show(ctx, SIGN_IN_ERROR, 401, username);
      const { admin } = result;
      const pending = admin.totpSecret ? null : box.seal(auth.newTotpSecret(), pendingAad(ctx.state.flow.uid));
      await states.update(ctx.state.flow.uid, { adminId: admin.id, stage: 'password_ok', pendingTotpSecret: pending });
      return redirectToInteraction(ctx);
    },

    async postCode(ctx: Context) {
      const flow = ctx.state.flow;
      if (wrongPrompt(ctx) || flow.stage !== 'password_ok' || !flow.adminId) return redirectToInteraction(ctx);
      const who = await auth.findById(flow.adminId);
      // ADMIN_SECOND_FACTOR=passkey: an admin with a passkey uses it; a code is not even checked.
      if (who && !(await passkeys.codeAllowed(who.id))) {
        await passkeys.codeRefused(who, signInOrigin(ctx), 'sign_in');
        return show(ctx, PASSKEY_REQUIRED_ERROR, 401);
      }
      const result = await auth.verifyCode(flow.adminId, ctx.request.form!.code ?? '', signInOrigin(ctx));
      if (!result.ok) {
        if (result.reason === 'invalid') return show(ctx, CODE_ERROR, 401);
        // Locked or disabled meanwhile: back to the first step, with the sign-in page's one message.
        await states.update(flow.uid, { adminId: null, stage: 'start', pendingTotpSecret: null });
        ctx.state.flow = { ...flow, adminId: null, stage: 'start' };
        return show(ctx, SIGN_IN_ERROR, 401);
      }
      const admin = (await auth.findById(flow.adminId))!;
      // Asked for (the checkbox), or required before a first passkey exists: create one, then finish.
      const wanted = ctx.request.form!.add_passkey === 'yes' || (await passkeys.mustEnrol(admin.id));
      if (passkeys.passkeysAccepted() && wanted) {
        await passkeys.registrationOptions(admin, interactionBinding(flow.uid), result.method);
        return redirectToInteraction(ctx);
      }
      await auth.recordLogin(admin, signInOrigin(ctx), result.method);
      ctx.status = 303;
      ctx.redirect(await finishLogin(ctx, admin.id, result.method));
    },

    ...passkeySteps.handlers,

    async postEnrolment(ctx: Context) {
      const flow = ctx.state.flow;
      if (wrongPrompt(ctx) || flow.stage !== 'password_ok' || !flow.adminId || !flow.pendingTotpSecret)
        return redirectToInteraction(ctx);
      const secret = box.open(flow.pendingTotpSecret, pendingAad(flow.uid));
      const enrolment = await auth.confirmEnrolment(
        flow.adminId,
        secret,
        ctx.request.form!.code ?? '',
        signInOrigin(ctx),
      );
      if (!enrolment) {
        const admin = await auth.findById(flow.adminId);
        if (admin && !auth.isLocked(admin) && !admin.disabled) return show(ctx, CODE_ERROR, 401);
        await states.update(flow.uid, { adminId: null, stage: 'start', pendingTotpSecret: null });
        ctx.state.flow = { ...flow, adminId: null, stage: 'start' };
        return show(ctx, SIGN_IN_ERROR, 401);
      }
      const admin = (await auth.findById(flow.adminId))!;
      const mustEnrol = await passkeys.mustEnrol(admin.id);
      if (mustEnrol || !(await passkeys.codeAllowed(admin.id))) {
        // ADMIN_SECOND_FACTOR=passkey: after the codes, a passkey (a new one, or the admin's own after
        // a TOTP reset); the login finishes there, never on the new TOTP alone.
        if (mustEnrol) await passkeys.registrationOptions(admin, interactionBinding(flow.uid), 'totp');
        const here = `/interaction/${encodeURIComponent(flow.uid)}`;
        return render(
          ctx,
          'recovery-codes',
          presentRecoveryCodes({ codes: enrolment.recoveryCodes, continueUrl: here }),
        );
      }
      await auth.recordLogin(admin, signInOrigin(ctx), 'totp');
      const continueUrl = await finishLogin(ctx, admin.id, 'totp');
      // Shown once: only hashes are stored.
      return render(ctx, 'recovery-codes', presentRecoveryCodes({ codes: enrolment.recoveryCodes, continueUrl }));
    },

    async postAbort(ctx: Context) {
      await states.remove(ctx.state.interaction.uid);
      await deps.audit.record({
        type: 'consent.denied',
        outcome: 'denied',
        actor: ctx.state.interaction.session?.accountId ?? null,
        clientId: String(ctx.state.interaction.params.client_id),
        ip: ctx.ip,
        requestId: ctx.state.requestId,
        details: { stage: ctx.state.interaction.prompt.name, cancelled: true },
      });
      const returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'The store administrator cancelled the sign-in.' },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(returnTo);
    },
  };
}
