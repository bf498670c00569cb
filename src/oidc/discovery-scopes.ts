import type { KoaContextWithOIDC } from 'oidc-provider';

type Next = () => Promise<unknown>;

/**
 * oidc-provider's `scopes` setting holds only the static OIDC scopes, so discovery would list just
 * openid and offline_access; the API scopes of the catalog are requestable too (RFC 8414 §2).
 */
export function discoveryScopes(scopes: readonly string[]) {
  const all = [...new Set(scopes)];
  return async function discoveryScopesMiddleware(ctx: KoaContextWithOIDC, next: Next) {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (
      (ctx.oidc as KoaContextWithOIDC['oidc'] | undefined)?.route === 'discovery' &&
      ctx.status === 200 &&
      body &&
      typeof body === 'object'
    ) {
      body.scopes_supported = all;
    }
  };
}
