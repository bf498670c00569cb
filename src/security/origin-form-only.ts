import type { Context, Next } from 'koa';

/**
 * Only origin-form request targets (`/path?query`). Node hands an absolute-form target
 * (`GET http://other.host/rest/...`) or `OPTIONS *` to the app as req.url; the bridge serves
 * neither, and nothing downstream may take a host from the request line.
 */
export function originFormOnly() {
  return async function originFormOnlyMiddleware(ctx: Context, next: Next) {
    if (!ctx.req.url?.startsWith('/')) {
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: 'invalid_request',
        message: 'The request target must be a path (origin-form), not an absolute URL or *',
      };
      return;
    }
    await next();
  };
}
