import type { Context, Next } from 'koa';

/**
 * OpenID Connect drops `offline_access` unless the request says `prompt=consent`. Plain OAuth 2.0
 * clients never send that, and here every authorization goes through the consent page anyway,
 * so a GET authorization request asking for offline_access without a prompt gets
 * `prompt=consent` added: the refresh token the user approves on that page is then issued.
 */
export function offlineAccessPrompt(authorizationPath = '/auth') {
  return async function offlineAccessPromptMiddleware(ctx: Context, next: Next) {
    if (ctx.method === 'GET' && ctx.path === authorizationPath) {
      const q = new URLSearchParams(ctx.querystring);
      const scopes = (q.get('scope') ?? '').split(' ');
      if (scopes.includes('offline_access') && !q.has('prompt') && !q.has('request') && !q.has('request_uri')) {
        q.set('prompt', 'consent');
        ctx.querystring = q.toString();
      }
    }
    await next();
  };
}
