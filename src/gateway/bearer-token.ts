import type { Context } from 'koa';

export type AccessTokenScheme = 'bearer' | 'dpop';

export type BearerResult =
  { ok: true; token: string; scheme: AccessTokenScheme } | { ok: false; reason: 'missing' | 'malformed' | 'in_query' };

// RFC 6750 b64token (RFC 9449 §7.1 uses the same syntax for the DPoP scheme).
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Only the Authorization header: tokens in query strings leak into logs and Referer headers.
 * `Bearer <token>` or `DPoP <token>` (RFC 9449 §7.1); the DPoP proof itself is checked by the gateway.
 */
export function readBearerToken(ctx: Context): BearerResult {
  if ('access_token' in ctx.query) return { ok: false, reason: 'in_query' };
  const header = ctx.get('authorization');
  if (!header) return { ok: false, reason: 'missing' };
  const m = /^(Bearer|DPoP) +(\S+)$/i.exec(header.trim());
  if (!m || !B64TOKEN.test(m[2]!) || m[2]!.length > 4096) return { ok: false, reason: 'malformed' };
  return { ok: true, token: m[2]!, scheme: m[1]!.toLowerCase() === 'dpop' ? 'dpop' : 'bearer' };
}
