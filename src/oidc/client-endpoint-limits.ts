import type { Context, Next } from 'koa';
import { decodeJwt } from 'jose';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientStore } from '../clients/client-store.js';
import { accessRefusal } from '../clients/client-access-policy.js';
import type { SecurityOpsConfig } from '../config/security-ops-config.js';
import { blockRetryAfter, type BlockList } from '../rate-limits/block-list.js';
import type { RateLimiter, RateLimitResult } from '../rate-limits/rate-limiter.js';
import { setRateLimitHeaders, setRefusalHeaders } from '../rate-limits/rate-limit-headers.js';
import { refuse } from '../rate-limits/request-gate.js';
import { normalizeIp } from '../security/ip-address.js';
import { countryOf } from '../security/ip-country.js';
import type { Clock } from '../clock.js';
import { BodyTooLargeError, readBody, withReplayedBody } from './replayable-body.js';

/** oidc-provider's default routes of the endpoints where clients authenticate. */
const CLIENT_AUTH_PATHS = new Set(['/token', '/token/introspection', '/token/revocation', '/request']);

/** The client a request claims to be (before oidc-provider checks it): Basic, client_id, or an assertion. */
export function claimedClientId(authorization: string | undefined, form: URLSearchParams): string | null {
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      } catch {
        return null;
      }
    }
  }
  const id = form.get('client_id');
  if (id) return id;
  const assertion = form.get('client_assertion');
  if (assertion) {
    try {
      const { sub, iss } = decodeJwt(assertion);
      return sub ?? iss ?? null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The token endpoint's door (and introspection, revocation, PAR): blocked IPs and clients, the
 * client's IP and country rules, per-IP and per-client budgets on /token, and failed client
 * authentications counted per IP and per client, so guessing secrets meets 429 after a few tries.
 * Runs inside oidc-provider (provider.use), before the provider reads the body.
 */
export function clientEndpointLimits(deps: {
  limiter: RateLimiter;
  blocks: BlockList;
  clients: ClientStore;
  audit: AuditLog;
  clock: Clock;
  limits: SecurityOpsConfig['rateLimits'];
}) {
  const { limiter, blocks, limits, audit } = deps;
  const failOpen = limits.failOpen.token;

  async function overBudget(ctx: Context, ip: string, clientId: string | null): Promise<boolean> {
    const checks: [string, Promise<RateLimitResult>, 'ip' | 'client', string][] = [
      ['token-ip', limiter.hit(`token:ip:${ip}`, limits.tokenPerIp, { failOpen }), 'ip', ip],
    ];
    if (clientId)
      checks.push([
        'token-client',
        limiter.hit(`token:client:${clientId}`, limits.tokenPerClient, { failOpen }),
        'client',
        clientId,
      ]);
    const results = await Promise.all(checks.map((c) => c[1]));
    for (const [i, r] of results.entries()) {
      const [name, , kind, subject] = checks[i]!;
      if (r.allowed) {
        setRateLimitHeaders(ctx, name, r);
        continue;
      }
      if (r.storeDown) {
        ctx.set('Retry-After', String(r.retryAfter));
        refuse(ctx, 503, 'temporarily_unavailable', 'rate limiting is unavailable; try again shortly');
        return true;
      }
      setRefusalHeaders(ctx, name, r);
      refuse(
        ctx,
        429,
        'rate_limited',
        `too many token requests ${kind === 'ip' ? 'from this address' : 'for this client'}`,
      );
      recordRefusal(ctx, ip, clientId, name);
      await blocks.noteRefusal(kind, subject);
      return true;
    }
    return false;
  }

  function recordRefusal(ctx: Context, ip: string, clientId: string | null, limit: string) {
    void audit.record({
      type: 'security.rate_limited',
      outcome: 'denied',
      ip,
      clientId,
      requestId: ctx.state.requestId,
      route: `${ctx.method} ${ctx.path}`,
      status: ctx.status,
      details: { limit },
    });
  }

  /** A failed client authentication: counted per IP and per client; past the budget, the endpoints close. */
  async function countFailure(ip: string, clientId: string | null) {
    const counted: [Promise<RateLimitResult>, 'ip' | 'client', string][] = [
      [limiter.hit(`auth-fail:ip:${ip}`, limits.clientAuthFailuresPerIp), 'ip', ip],
    ];
    if (clientId)
      counted.push([
        limiter.hit(`auth-fail:client:${clientId}`, limits.clientAuthFailuresPerClient),
        'client',
        clientId,
      ]);
    for (const [pending, kind, subject] of counted) {
      const r = await pending;
      // The failure that uses up the budget closes the door: the next try is already 429.
      if (r.storeDown || r.hits < r.limit.max || (await blocks.find(kind, subject, 'token'))) continue;
      await blocks.block(kind, subject, {
        reason: `${r.limit.max} failed client authentications within ${r.limit.windowSeconds} s`,
        durationS: r.retryAfter,
        scope: 'token',
      });
    }
  }

  return async function clientEndpointLimitsMiddleware(ctx: Context, next: Next) {
    if (ctx.method !== 'POST' || !CLIENT_AUTH_PATHS.has(ctx.path)) return next();
    const ip = normalizeIp(ctx.ip);
    const authorization = ctx.get('authorization') || undefined;
    let form = new URLSearchParams();
    // With HTTP Basic the header names the client; only otherwise is the body read (and replayed).
    const basic = authorization?.toLowerCase().startsWith('basic ') === true;
    if (!basic && ctx.is('application/x-www-form-urlencoded')) {
      try {
        const body = await readBody(ctx.req);
        form = new URLSearchParams(body.toString('utf8'));
        ctx.req = withReplayedBody(ctx.req, body);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        return refuse(ctx, 413, 'invalid_request', 'request body too large');
      }
    }
    const clientId = claimedClientId(authorization, form);

    const block =
      (await blocks.find('ip', ip, 'token')) ?? (clientId && (await blocks.find('client', clientId, 'token')));
    if (block) {
      ctx.set('Retry-After', String(blockRetryAfter(block, deps.clock.now())));
      const who = block.kind === 'ip' ? 'this address' : 'this client';
      return refuse(
        ctx,
        429,
        'rate_limited',
        `${who} is blocked until ${block.expiresAt.toISOString()} (${block.reason})`,
      );
    }
    const client = clientId ? await deps.clients.findCached(clientId) : null;
    if (client) {
      const country = (ctx.state.country as string | null | undefined) ?? countryOf(ip);
      const refusal = accessRefusal(client, ip, country);
      if (refusal) {
        void audit.record({
          type: refusal.reason === 'ip_not_allowed' ? 'security.ip_refused' : 'security.country_refused',
          outcome: 'denied',
          ip,
          country,
          clientId,
          requestId: ctx.state.requestId,
          route: `${ctx.method} ${ctx.path}`,
          status: 403,
          details: { reason: refusal.reason },
        });
        return refuse(ctx, 403, 'access_denied', refusal.message);
      }
    }
    if (ctx.path === '/token' && (await overBudget(ctx, ip, client ? clientId : null))) return;

    await next();
    const body = ctx.body as { error?: unknown } | undefined;
    if (ctx.status === 401 && body?.error === 'invalid_client') await countFailure(ip, client ? clientId : null);
  };
}
