import type { Context, Next } from 'koa';

/**
 * Every absolute URL the server builds (discovery, redirects, the provider's urlFor, pages) comes
 * from ISSUER, never from the request: Koa derives `href`/`host`/`protocol` from the Host and
 * X-Forwarded-* headers (or an absolute request target), which the caller controls. ISSUER has no
 * path, so its origin is all that is needed.
 */
export function issuerHost(issuer: string) {
  const u = new URL(issuer);
  const origin = u.origin;
  const protocol = u.protocol.slice(0, -1);
  const { host, hostname } = u;
  return async function issuerHostMiddleware(ctx: Context, next: Next) {
    Object.defineProperties(ctx.request, {
      host: { get: () => host, configurable: true },
      hostname: { get: () => hostname, configurable: true },
      protocol: { get: () => protocol, configurable: true },
      href: {
        configurable: true,
        get() {
          // An absolute-form target (`GET http://evil.example/x`) keeps only its path and query.
          const target = URL.parse(ctx.originalUrl, origin);
          return target ? `${origin}${target.pathname}${target.search}` : `${origin}/`;
        },
      },
    });
    await next();
  };
}
