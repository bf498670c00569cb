import type { Context } from 'koa';
import { DPOP_SIGNING_ALGS } from '../oidc/dpop-algs.js';

/** Errors the bridge itself answers (as opposed to Magento's, which pass through unchanged). */
/** A refusal answered by the bridge itself (not Magento), as JSON. */
export function bridgeError(
  ctx: Context,
  status: number,
  body: Record<string, unknown>,
  wwwAuthenticate?: string | string[],
) {
  ctx.status = status;
  ctx.set('X-Bridge-Source', 'bridge');
  ctx.set('Cache-Control', 'no-store');
  if (wwwAuthenticate) ctx.set('WWW-Authenticate', wwwAuthenticate);
  ctx.body = body;
}

const quote = (s: string) => s.replace(/["\\]/g, '');

/**
 * 401 for missing, malformed, expired or revoked tokens. The product's contract names
 * `error="invalid_token"` for a missing token too (RFC 6750 §3.1 would leave it out); clients
 * treat both the same way: get a token, retry.
 */
export function invalidToken(ctx: Context, description: string) {
  const header = `Bearer realm="magento", error="invalid_token", error_description="${quote(description)}"`;
  // Second challenge: DPoP is accepted too, with these proof algorithms (RFC 9449 §7.1).
  bridgeError(ctx, 401, { error: 'invalid_token', message: description }, [
    header,
    `DPoP algs="${DPOP_SIGNING_ALGS.join(' ')}"`,
  ]);
}

/** 401 under the DPoP scheme (RFC 9449 §7.1): a bad proof, or a token that does not fit the scheme. */
export function dpopError(ctx: Context, error: 'invalid_token' | 'invalid_dpop_proof', description: string) {
  const header =
    `DPoP error="${error}", error_description="${quote(description)}", ` + `algs="${DPOP_SIGNING_ALGS.join(' ')}"`;
  bridgeError(ctx, 401, { error, message: description }, header);
}

export function invalidRequest(ctx: Context, description: string) {
  bridgeError(
    ctx,
    400,
    { error: 'invalid_request', message: description },
    `Bearer realm="magento", error="invalid_request", error_description="${quote(description)}"`,
  );
}

export function insufficientScope(
  ctx: Context,
  needed: string[],
  route: string,
  message: string,
  scheme: 'bearer' | 'dpop' = 'bearer',
) {
  const challenge =
    scheme === 'dpop'
      ? `DPoP error="insufficient_scope", scope="${quote(needed.join(' '))}", algs="${DPOP_SIGNING_ALGS.join(' ')}"`
      : `Bearer realm="magento", error="insufficient_scope", scope="${quote(needed.join(' '))}"`;
  bridgeError(ctx, 403, { error: 'insufficient_scope', message, route, scope_needed: needed.join(' ') }, challenge);
}

/** Magento's own 404 body, so clients see the same answer as from the store. */
export function noSuchRoute(ctx: Context) {
  bridgeError(ctx, 404, { message: 'Request does not match any route.' });
}

export function gatewayProblem(
  ctx: Context,
  status: 400 | 405 | 413 | 415 | 429 | 502 | 503 | 504,
  error: string,
  message: string,
) {
  bridgeError(ctx, status, { error, message });
}

/** The client already has its share of upstream connections in flight. */
export function tooManyInFlight(ctx: Context, limit: number) {
  ctx.set('Retry-After', '1');
  gatewayProblem(
    ctx,
    429,
    'too_many_requests',
    `This app already has ${limit} calls in flight to the Magento store; retry when one finishes`,
  );
}
