import type { Context } from 'koa';
import { presentConsent } from './present-consent.js';
import { presentMessage } from '../kit/present-message.js';
import { loadClientInfo } from './client-info.js';
import { CODE_ERROR, PASSKEY_ERROR, PASSKEY_REQUIRED_ERROR, passkeyForm } from '../kit/present-sign-in.js';
import { interactionBinding, type SecondFactorProof, type StepContext } from './step-context.js';
import { signInOrigin } from '../kit/sign-in-origin.js';

const LOCKED_ERROR =
  'Too many invalid codes: your account is temporarily locked. Try again later or ask another ' +
  'administrator to unlock it.';

interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

const NO_PASSKEY_ERROR =
  'This store requires a passkey to approve applications, and your account has none yet. Sign in to the ' +
  'admin console (or sign in again here) to add one.';

/**
 * Consent prompt: shows the request, and approves it only with a second factor verified for it: a
 * fresh TOTP code or a fresh passkey assertion (user verification), as ADMIN_SECOND_FACTOR allows.
 */
export function consentStep(s: StepContext) {
  const { deps, render, auth } = s;
  const { provider, clock, passkeys } = deps;

  /** The code typed at this authorization's own login covers its consent; nothing older does. */
  function coveredByLogin(ctx: Context): boolean {
    const i = ctx.state.interaction;
    const proof = (i.lastSubmission as { mfa?: SecondFactorProof } | undefined)?.mfa;
    const maxAgeMs = 30 * 60_000;
    // Under `passkey`, only a login that used (or created) a passkey covers the decision.
    if (proof && passkeys.policy === 'passkey' && proof.method !== 'passkey') return false;
    return !!proof && proof.accountId === i.session?.accountId && clock.now() - proof.at < maxAgeMs;
  }

  function missing(ctx: Context) {
    const d = ctx.state.interaction.prompt.details as PromptDetails;
    const newScopes = new Set<string>([
      ...(d.missingOIDCScope ?? []),
      ...Object.values(d.missingResourceScopes ?? {}).flat(),
    ]);
    return { d, newScopes };
  }

  async function activeAdmin(ctx: Context) {
    const accountId = ctx.state.interaction.session?.accountId;
    const admin = accountId ? await auth.findById(accountId) : null;
    // A lock placed after sign-in (failed codes) also stops approvals by that session.
    return admin && !admin.disabled && !auth.isLocked(admin) && admin.totpSecret ? admin : null;
  }

  async function show(ctx: Context, error: string | null = null, status = 200) {
    const admin = await activeAdmin(ctx);
    if (!admin) return render(ctx, 'message', presentMessage('disabled'), 403);
    if (admin.role !== 'owner') return render(ctx, 'message', presentMessage('auditor'), 403);
    const i = ctx.state.interaction;
    const clientId = String(i.params.client_id);
    const codeRequired = !coveredByLogin(ctx);
    const options = codeRequired
      ? await passkeys.assertionOptions(admin.id, interactionBinding(i.uid), 'step_up')
      : null;
    const codeAllowed = passkeys.policy !== 'passkey';
    const passkey = options
      ? passkeyForm({
          action: `/interaction/${encodeURIComponent(i.uid)}/consent/passkey`,
          options,
          lead: 'Approve with your passkey: your fingerprint, face or device PIN.',
          button: 'Approve with a passkey',
          fallback: codeAllowed ? 'Approve with an authentication code instead.' : 'Turn JavaScript on to approve.',
          hidden: [{ name: 'decision', value: 'approve' }],
        })
      : null;
    const model = presentConsent({
      uid: i.uid,
      csrfToken: ctx.state.flow.csrfToken,
      client: await loadClientInfo(provider, clientId),
      redirectUri: String(i.params.redirect_uri),
      adminUsername: admin.username,
      requestedScopes: String(i.params.scope ?? '')
        .split(' ')
        .filter(Boolean),
      newScopes: missing(ctx).newScopes,
      describeScope: deps.describeScope,
      linkStatus: deps.linkStatus ? await deps.linkStatus(clientId) : null,
      codeRequired,
      codeAllowed,
      passkey,
      noPasskeyYet: codeRequired && !codeAllowed && !passkey,
      loginMethod: (i.lastSubmission as { mfa?: SecondFactorProof } | undefined)?.mfa?.method ?? null,
      error,
    });
    return render(ctx, 'consent', model, status);
  }

  async function finish(ctx: Context, result: Record<string, unknown>, merge: boolean) {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    await s.states.remove(ctx.state.interaction.uid);
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  /** The decision, by the consent form (code or login's proof) or by the passkey form (an assertion). */
  async function decide(ctx: Context, via: 'form' | 'passkey') {
    const i = ctx.state.interaction;
    if (i.prompt.name !== 'consent') return show(ctx);
    const clientId = String(i.params.client_id);
    const requested = String(i.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const admin = await activeAdmin(ctx);
    const audit = {
      actor: admin?.username ?? i.session?.accountId ?? null,
      clientId,
      ip: ctx.ip,
      requestId: ctx.state.requestId,
    };

    if (ctx.request.form!.decision !== 'approve') {
      await deps.audit.record({
        type: 'consent.denied',
        outcome: 'denied',
        ...audit,
        details: { scopes: requested },
      });
      return finish(
        ctx,
        { error: 'access_denied', error_description: 'The store administrator denied the request.' },
        false,
      );
    }
    if (!admin) return render(ctx, 'message', presentMessage('disabled'), 403);
    // Approving is a write: auditors read and export only.
    if (admin.role !== 'owner') return render(ctx, 'message', presentMessage('auditor'), 403);

    let secondFactor = 'login';
    if (via === 'passkey') {
      // Always a fresh assertion here, even when the login's proof would cover the decision.
      const result = await passkeys.verifyAssertion({
        adminId: admin.id,
        binding: interactionBinding(i.uid),
        purpose: 'step_up',
        response: ctx.request.form!.passkey_response,
        from: signInOrigin(ctx),
      });
      if (!result.ok) return show(ctx, result.reason === 'locked' ? LOCKED_ERROR : PASSKEY_ERROR, 401);
      secondFactor = 'passkey';
    } else if (!coveredByLogin(ctx)) {
      if (passkeys.policy === 'passkey') {
        await passkeys.codeRefused(admin, signInOrigin(ctx), 'consent');
        const count = await passkeys.count(admin.id);
        return show(ctx, count ? PASSKEY_REQUIRED_ERROR : NO_PASSKEY_ERROR, 401);
      }
      const result = await auth.verifyCode(admin.id, ctx.request.form!.code ?? '', signInOrigin(ctx));
      if (!result.ok) return show(ctx, result.reason === 'locked' ? LOCKED_ERROR : CODE_ERROR, 401);
      secondFactor = result.method;
    }

    const { d, newScopes } = missing(ctx);
    const grant = i.grantId ? await provider.Grant.find(i.grantId) : undefined;
    const g = grant ?? new provider.Grant({ accountId: admin.id, clientId });
    if (d.missingOIDCScope?.length) g.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims?.length) g.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {}))
      g.addResourceScope(indicator, scopes.join(' '));
    const grantId = await g.save();
    await deps.audit.record({
      type: 'consent.approved',
      outcome: 'success',
      ...audit,
      grantId,
      details: { scopes: requested, newlyGranted: [...newScopes], secondFactor },
    });
    return finish(ctx, { consent: { grantId } }, true);
  }

  return {
    show: (ctx: Context) => show(ctx),
    post: (ctx: Context) => decide(ctx, 'form'),
    postPasskey: (ctx: Context) => decide(ctx, 'passkey'),
  };
}
