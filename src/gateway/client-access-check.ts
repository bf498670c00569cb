import type { Context } from 'koa';
import type { ClientRecord } from '../clients/client-record.js';
import { accessRefusal } from '../clients/client-access-policy.js';
import { parseRateLimit, type RateLimitSpec } from '../config/rate-limit-spec.js';
import { blockRetryAfter, type BlockList } from '../rate-limits/block-list.js';
import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import { setRateLimitHeaders, setRefusalHeaders } from '../rate-limits/rate-limit-headers.js';
import { normalizeIp } from '../security/ip-address.js';
import { countryOf } from '../security/ip-country.js';
import type { Clock } from '../clock.js';
import { bridgeError } from './gateway-responses.js';

export interface GatewayAccessDeps {
  client: (clientId: string) => Promise<ClientRecord | null>;
  limiter: RateLimiter;
  blocks: BlockList;
  clock: Clock;
  /** GATEWAY_RATE_LIMIT: a client without its own `--rate-limit`. */
  defaultLimit: RateLimitSpec;
  /** RATE_LIMIT_FAIL_MODE_GATEWAY=open: calls go on while the store is down (the outage is alerted). */
  failOpen: boolean;
}

/** Why a call was refused (the audit row's reason), or null: it may go on. */
export type AccessCheck = (ctx: Context, clientId: string) => Promise<string | null>;

/**
 * After the token, before Magento: the client is not blocked, calls from an address and country its
 * rules allow, and has budget left (its own `--rate-limit` or GATEWAY_RATE_LIMIT). All from memory
 * but the budget, which is one call to the shared store.
 */
export function gatewayAccessCheck(deps: GatewayAccessDeps): AccessCheck {
  const specs = new Map<string, RateLimitSpec>();
  const limitOf = (client: ClientRecord | null): RateLimitSpec => {
    if (!client?.rateLimit) return deps.defaultLimit;
    let spec = specs.get(client.rateLimit);
    if (!spec) specs.set(client.rateLimit, (spec = parseRateLimit(client.rateLimit) ?? deps.defaultLimit));
    return spec;
  };
  return async (ctx, clientId) => {
    const block = await deps.blocks.find('client', clientId);
    if (block) {
      ctx.set('Retry-After', String(blockRetryAfter(block, deps.clock.now())));
      bridgeError(ctx, 429, {
        error: 'rate_limited',
        message: `This client is blocked until ${block.expiresAt.toISOString()} (${block.reason})`,
      });
      return 'client_blocked';
    }
    const client = await deps.client(clientId);
    const ip = normalizeIp(ctx.ip);
    if (client) {
      const country = (ctx.state.country as string | null | undefined) ?? countryOf(ip);
      const refusal = accessRefusal(client, ip, country);
      if (refusal) {
        bridgeError(ctx, 403, { error: 'access_denied', message: refusal.message });
        return refusal.reason;
      }
    }
    const r = await deps.limiter.hit(`gateway:${clientId}`, limitOf(client), { failOpen: deps.failOpen });
    if (r.allowed) {
      setRateLimitHeaders(ctx, 'gateway', r);
      return null;
    }
    if (r.storeDown) {
      ctx.set('Retry-After', String(r.retryAfter));
      bridgeError(ctx, 503, { error: 'temporarily_unavailable', message: 'Rate limiting is unavailable; try again' });
      return 'limiter_unavailable';
    }
    setRefusalHeaders(ctx, 'gateway', r);
    bridgeError(ctx, 429, {
      error: 'rate_limited',
      message: `This client's budget of ${r.limit.max} calls per ${r.limit.windowSeconds} s is used up`,
    });
    await deps.blocks.noteRefusal('client', clientId);
    return 'rate_limited';
  };
}
