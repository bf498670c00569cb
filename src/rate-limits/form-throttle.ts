import type { Context, Next } from 'koa';
import type { AuditLog } from '../audit/audit-log.js';
import type { RateLimiter, RateLimitSpec } from './rate-limiter.js';
import { setRefusalHeaders } from './rate-limit-headers.js';
import { normalizeIp } from '../security/ip-address.js';

interface ThrottleDeps {
  limiter: RateLimiter;
  limit: RateLimitSpec;
  audit: AuditLog;
  /** The route as it may appear in the audit log (no ids or tokens from the path). */
  route: (ctx: Context) => string;
  refuse: (ctx: Context, retryAfter: number) => unknown;
  /** While the store is down (RATE_LIMIT_FAIL_MODE_SIGNIN): default closed, the POST is refused. */
  failOpen?: boolean;
}

function throttle(deps: ThrottleDeps, name: string, keyOf: (ctx: Context) => string | null | Promise<string | null>) {
  return async function formThrottleMiddleware(ctx: Context, next: Next) {
    const key = await keyOf(ctx);
    if (key === null) return next();
    const r = await deps.limiter.hit(key, deps.limit, { failOpen: deps.failOpen });
    if (r.allowed) return next();
    void deps.audit.record({
      type: 'security.rate_limited',
      outcome: 'denied',
      ip: ctx.ip,
      requestId: ctx.state.requestId,
      route: `${ctx.method} ${deps.route(ctx)}`,
      status: 429,
      details: { route: deps.route(ctx), limit: name, ...(r.storeDown ? { storeDown: true } : {}) },
    });
    setRefusalHeaders(ctx, name, r);
    await deps.refuse(ctx, r.retryAfter);
  };
}

/**
 * Per-IP throttle of the admin forms' POSTs (password and code guesses). Every form family uses
 * the same key, so the budget is shared across pages, usernames and, through the shared store,
 * instances. Runs before the body is read.
 */
export function formThrottle(deps: ThrottleDeps) {
  return throttle(deps, 'sign-in-ip', (ctx) => `interaction-post:${normalizeIp(ctx.ip)}`);
}

/**
 * Per-account throttle of the same POSTs (LOGIN_RATE_LIMIT_PER_ACCOUNT), after the body is read:
 * `account` names the account a POST tries (the typed username, or the username of the flow's admin:
 * one budget for the password and the code steps), so one
 * account guessed from many addresses is slowed too, whether or not it exists.
 */
export function accountThrottle(
  deps: ThrottleDeps & { account: (ctx: Context) => string | null | Promise<string | null> },
) {
  return throttle(deps, 'sign-in-account', async (ctx) => {
    const account = await deps.account(ctx);
    return account ? `sign-in-account:${account.trim().toLowerCase()}` : null;
  });
}
