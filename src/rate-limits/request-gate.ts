import type { Context, Next } from 'koa';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { normalizeIp } from '../security/ip-address.js';
import { countryOf } from '../security/ip-country.js';
import { blockRetryAfter, type BlockList } from './block-list.js';

/** Paths a monitor must always reach (its own address is rarely the problem). */
const UNGATED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * First door of every request: a blocked IP (repeated abuse, or `blocks:add`) and a country in
 * GEO_DENY_COUNTRIES get no further. Both answers are from memory; the country lookup is local.
 * Sets `ctx.state.country` for the rest of the request (audit rows, client rules).
 */
export function requestGate(deps: {
  blocks: BlockList;
  audit: AuditLog;
  clock: Clock;
  denyCountries: readonly string[];
}) {
  const deny = new Set(deps.denyCountries);
  return async function requestGateMiddleware(ctx: Context, next: Next) {
    if (UNGATED.has(ctx.path)) return next();
    const ip = normalizeIp(ctx.ip);
    const block = await deps.blocks.find('ip', ip);
    if (block) {
      ctx.set('Retry-After', String(blockRetryAfter(block, deps.clock.now())));
      return refuse(ctx, 429, 'rate_limited', `this address is blocked until ${block.expiresAt.toISOString()}`);
    }
    const country = countryOf(ip);
    ctx.state.country = country;
    if (country && deny.has(country)) {
      void deps.audit.record({
        type: 'security.country_refused',
        outcome: 'denied',
        ip,
        country,
        requestId: ctx.state.requestId,
        route: `${ctx.method} ${ctx.path.split('/').slice(0, 3).join('/')}`,
        details: { reason: 'country_denied', scope: 'GEO_DENY_COUNTRIES' },
      });
      return refuse(ctx, 403, 'access_denied', 'requests from this country are not accepted');
    }
    return next();
  };
}

/** OAuth-style JSON error (RFC 6749 §5.2 shape), no-store. */
export function refuse(ctx: Context, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error, error_description: description };
}
