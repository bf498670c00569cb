import type { Context, Next } from 'koa';

/**
 * RFC 8414 metadata at /.well-known/oauth-authorization-server: the same document as OpenID
 * discovery (a superset), served by the provider's own route. For an issuer with a path, RFC 8414
 * puts the path after the well-known segment; the provider is mounted under that path, so only
 * the root-issuer form is served here.
 */
export function discoveryAlias() {
  return async function discoveryAliasMiddleware(ctx: Context, next: Next) {
    if (ctx.path === '/.well-known/oauth-authorization-server' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.path = '/.well-known/openid-configuration';
    }
    await next();
  };
}
