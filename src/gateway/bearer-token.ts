import type { Context } from 'koa';

export type BearerResult = { ok: true; token: string } | { ok: false; reason: 'missing' | 'malformed' | 'in_query' };

// RFC 6750 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Only the Authorization header: tokens in query strings leak into logs and Referer headers. */
export function readBearerToken(ctx: Context): BearerResult {
  if ('access_token' in ctx.query) return { ok: false, reason: 'in_query' };
  const header = ctx.get('authorization');
  if (!header) return { ok: false, reason: 'missing' };
  const m = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!m || !B64TOKEN.test(m[1]!) || m[1]!.length > 4096) return { ok: false, reason: 'malformed' };
  return { ok: true, token: m[1]! };
}
