import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';

const { base, Check } = interactionPolicy;

/**
 * oidc-provider's default prompts plus one rule of ours: every authorization shows the consent
 * page, even when the grant already covers the scopes. That page is where a TOTP code is demanded
 * for the decision, so no code is ever issued on the strength of an old session alone.
 */
export function createInteractionPolicy(): interactionPolicy.DefaultPolicy {
  const policy = base();
  const consent = policy.get('consent')!;
  consent.checks.add(
    new Check(
      'totp_confirmation',
      'every authorization is confirmed with a fresh TOTP code',
      'consent_required',
      (ctx: KoaContextWithOIDC) => (ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT),
    ),
  );
  return policy;
}
