import type { Context, Next } from 'koa';
import { contentSecurityPolicy, cspSourceFor, setPageHeaders } from '../security/security-headers.js';

/** A placeholder oidc-provider can add its inline script's hash to (form_post's auto-submit). */
const PROVISIONAL_CSP = "default-src 'none'; script-src 'none'";

interface OidcView {
  params?: { redirect_uri?: unknown; response_mode?: unknown };
  client?: { redirectUriAllowed(uri: string): boolean };
}

/** The hashes oidc-provider pushed into script-src while rendering (never 'none' or hosts). */
function scriptHashes(csp: string): string[] {
  const directive = csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('script-src'));
  return (directive?.split(/\s+/).slice(1) ?? []).filter((v) => /^'sha256-[A-Za-z0-9+/=]+'$/.test(v));
}

/** A form_post's target: the client's registered redirect URI, checked again here. */
function formTarget(ctx: Context): string | null {
  const oidc = (ctx as Context & { oidc?: OidcView }).oidc;
  const uri = oidc?.params?.redirect_uri;
  if (typeof uri !== 'string' || !oidc?.client?.redirectUriAllowed(uri)) return null;
  return cspSourceFor(uri);
}

/**
 * The bridge's page headers (CSP, frame-ancestors, nosniff, referrer policy…) on every HTML page
 * oidc-provider renders: error pages and form_post responses. The CSP of a form_post lets its
 * one inline script (by hash) post to the client's redirect URI, nothing else.
 */
export function providerPageHeaders(opts: { production: boolean }) {
  return async function providerPageHeadersMiddleware(ctx: Context, next: Next) {
    ctx.set('Content-Security-Policy', PROVISIONAL_CSP);
    try {
      await next();
    } finally {
      const provisional = ctx.response.get('Content-Security-Policy');
      if (ctx.response.is('html')) {
        const hashes = typeof provisional === 'string' ? scriptHashes(provisional) : [];
        const target = hashes.length ? formTarget(ctx) : null;
        const csp =
          contentSecurityPolicy(target ? [target] : []) + (hashes.length ? `; script-src ${hashes.join(' ')}` : '');
        setPageHeaders(ctx, { production: opts.production, csp });
      } else {
        ctx.remove('Content-Security-Policy');
      }
    }
  };
}
