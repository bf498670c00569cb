import type { Context } from 'koa';
import { presentConsent } from './present-consent.js';
import { presentMessage } from '../kit/present-message.js';
import { loadClientInfo } from './client-info.js';
import { CODE_ERROR } from '../kit/present-sign-in.js';
import type { SecondFactorProof, StepContext } from './step-context.js';
import { signInOrigin } from '../kit/sign-in-origin.js';

const LOCKED_ERROR =
  'Too many invalid codes: your account is temporarily locked. Try again later or ask another ' +
  'administrator to unlock it.';

interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** Consent prompt: shows the request, and approves it only with a TOTP code verified for it. */
export function consentStep(s: StepContext) {
  const { deps, render, auth } = s;
  const { provider, clock } = deps;

  /** The code typed at this authorization's own login covers its consent; nothing older does. */
  function coveredByLogin(ctx: Context): boolean {
    const i = ctx.state.interaction;
    const proof = (i.lastSubmission as { mfa?: SecondFactorProof } | undefined)?.mfa;
    const maxAgeMs = 30 * 60_000;
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
      codeRequired: !coveredByLogin(ctx),
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

  return {
    show: (ctx: Context) => show(ctx),

    async post(ctx: Context) {
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
      if (!coveredByLogin(ctx)) {
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
    },
  };
}
