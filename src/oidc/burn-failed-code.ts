import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

type Next = () => Promise<unknown>;
type GrantError = Error & { error?: string; error_detail?: string; error_description?: string };

// Why oidc-provider refused a code after finding it for this client (lib/helpers/pkce.js,
// grants/authorization_code.js).
const PROOF_FAILURES = new Set([
  'code_verifier must be provided',
  'code_verifier does not match code_challenge',
  'unsupported code_challenge_method',
  'authorization code redirect_uri mismatch',
]);

const isProofFailure = (err: GrantError) =>
  (err.error === 'invalid_grant' && PROOF_FAILURES.has(err.error_detail ?? '')) ||
  (err.error === 'invalid_request' && /^code_verifier /.test(err.error_description ?? ''));

/**
 * A code redeemed with a wrong code_verifier or redirect_uri stays usable in oidc-provider (it
 * consumes only on success), so whoever guesses can try again. RFC 6749 §4.1.2: a code is used
 * once. Here the failed attempt consumes it; a later attempt then fails as a replay.
 */
export function burnFailedCode(provider: Provider) {
  const failures = new WeakMap<object, GrantError>();
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: GrantError) => {
    if (ctx) failures.set(ctx, err);
  });
  return async function burnFailedCodeMiddleware(ctx: KoaContextWithOIDC, next: Next) {
    await next();
    const err = failures.get(ctx);
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (!err || oidc?.route !== 'token' || oidc.params?.grant_type !== 'authorization_code' || !isProofFailure(err))
      return;
    const code = await provider.AuthorizationCode.find(String(oidc.params.code ?? ''));
    if (!code || code.clientId !== oidc.client?.clientId) return;
    // Already consumed (a replay, or a parallel attempt won the race): the code is spent either way.
    await code.consume().catch(() => undefined);
  };
}
