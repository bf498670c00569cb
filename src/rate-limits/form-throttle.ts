import type { Context, Next } from 'koa';
import type { AuditLog } from '../audit/audit-log.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Per-IP throttle of the admin forms' POSTs (password and code guesses). Every form family uses
 * the same key, so the budget is shared across pages and, through PostgreSQL, across instances.
 */
export function formThrottle(deps: {
  limiter: RateLimiter;
  limit: { max: number; windowSeconds: number };
  audit: AuditLog;
  /** The route as it may appear in the audit log (no ids or tokens from the path). */
  route: (ctx: Context) => string;
  refuse: (ctx: Context, retryAfter: number) => unknown;
}) {
  return async function formThrottleMiddleware(ctx: Context, next: Next) {
    const { allowed, retryAfter } = await deps.limiter.hit(`interaction-post:${ctx.ip}`, deps.limit);
    if (allowed) return next();
    await deps.audit.record({
      type: 'security.rate_limited',
      outcome: 'denied',
      ip: ctx.ip,
      requestId: ctx.state.requestId,
      details: { route: deps.route(ctx) },
    });
    ctx.set('Retry-After', String(retryAfter));
    await deps.refuse(ctx, retryAfter);
  };
}
