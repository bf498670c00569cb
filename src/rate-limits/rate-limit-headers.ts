import type { Context } from 'koa';
import type { RateLimitResult } from './rate-limiter.js';

/**
 * The IETF draft's headers (draft-ietf-httpapi-ratelimit-headers): the policy as quota `q` per window
 * `w` seconds, and what is left of it (`r`) with the seconds until it resets (`t`). `name` says which
 * budget, since one request may be counted against several (per client and per IP): each is one
 * more item of the headers' lists.
 */
export function setRateLimitHeaders(ctx: Context, name: string, r: RateLimitResult): void {
  if (r.storeDown) return;
  append(ctx, 'RateLimit-Policy', `"${name}";q=${r.limit.max};w=${r.limit.windowSeconds}`);
  append(ctx, 'RateLimit', `"${name}";r=${r.remaining};t=${r.retryAfter}`);
}

/** Structured-field lists are one comma-separated line (RFC 9651), not repeated header lines. */
function append(ctx: Context, header: string, item: string) {
  const current = ctx.response.get(header);
  ctx.set(header, current ? `${String(current)}, ${item}` : item);
}

/** A refusal: the draft's headers plus Retry-After (RFC 9110), which every client understands. */
export function setRefusalHeaders(ctx: Context, name: string, r: RateLimitResult): void {
  setRateLimitHeaders(ctx, name, r);
  ctx.set('Retry-After', String(r.retryAfter));
}
