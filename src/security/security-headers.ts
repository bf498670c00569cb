import type { Context, Next } from 'koa';

const BASE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
];

/**
 * CSP of our pages. `form-action` also governs the redirects that follow a form POST (Chromium
 * enforces it along the chain), so the app's redirect target must be listed or Approve/Deny
 * could never reach the app.
 */
export function contentSecurityPolicy(formTargets: string[] = []): string {
  return [...BASE_CSP, `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`].join('; ');
}

/** The CSP source for a redirect URI: its origin, or its scheme for private-use schemes (com.example.app:). */
export function cspSourceFor(uri: string): string | null {
  const u = URL.parse(uri);
  if (!u) return null;
  if (u.protocol === 'https:' || u.protocol === 'http:') return u.origin;
  return /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) ? u.protocol : null;
}

/**
 * Headers for our HTML pages: no framing (clickjacking of the consent page), no inline script or
 * style, no referrer (interaction URLs carry ids), no MIME sniffing; HSTS in production.
 * Shared by our routers and by the pages oidc-provider renders (errors, form_post).
 */
export function setPageHeaders(ctx: Context, opts: { production: boolean; csp?: string }): void {
  ctx.set('Content-Security-Policy', opts.csp ?? contentSecurityPolicy());
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  if (opts.production) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

export function securityHeaders(opts: { production: boolean }) {
  const csp = contentSecurityPolicy();
  return async function securityHeadersMiddleware(ctx: Context, next: Next) {
    setPageHeaders(ctx, { production: opts.production, csp });
    await next();
  };
}
