import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors/app-error.js';
import { formBody } from '../security/form-body.js';
import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import { setRefusalHeaders } from '../rate-limits/rate-limit-headers.js';
import { normalizeIp } from '../security/ip-address.js';
import type { LinkActivation } from './link-activation.js';
import type { LinkStore } from './link-store.js';

export const ACTIVATION_PATH = '/magento/activate';

/**
 * The Endpoint URL Magento posts the integration's credentials to. The path token is the only
 * thing that names the client, so it is long and random (see LinkStore.ensure). Each IP gets a
 * few POSTs per window (counted in PostgreSQL, before the token is looked up): Magento sends one
 * per Activate or Reauthorize click.
 */
export function activationRoutes(deps: {
  links: LinkStore;
  activation: LinkActivation;
  limiter: RateLimiter;
  audit: AuditLog;
  limit: { max: number; windowSeconds: number };
}): Router {
  const router = new Router();
  const { limiter } = deps;
  const route = `${ACTIVATION_PATH}/:endpointToken`;
  const refused = (ctx: Context, clientId: string | null, reason: string, code: string) =>
    deps.audit.record({
      type: 'magento.activation_refused',
      outcome: 'denied',
      clientId,
      ip: ctx.ip,
      requestId: ctx.state.requestId,
      details: { reason, refusal: code },
    });
  router.post(
    route,
    async (ctx, next) => {
      ctx.set('Cache-Control', 'no-store');
      const r = await limiter.hit(`magento-activation:${normalizeIp(ctx.ip)}`, deps.limit);
      if (r.allowed) return next();
      const { retryAfter } = r;
      await deps.audit.record({
        type: 'security.rate_limited',
        outcome: 'denied',
        ip: ctx.ip,
        requestId: ctx.state.requestId,
        details: { route, limit: 'activation-ip' },
      });
      setRefusalHeaders(ctx, 'activation-ip', r);
      ctx.status = 429;
      ctx.body = {
        error: 'rate_limited',
        message: `Too many activation requests from this address; try again in ${retryAfter} s`,
      };
    },
    async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        // A body refused before it is read (415, 413) is a refusal like any other.
        if (err instanceof AppError) await refused(ctx, null, err.message, err.code);
        throw err;
      }
    },
    formBody({ limitBytes: 4096 }),
    async (ctx) => {
      const clientId = await deps.links.clientIdForEndpoint(ctx.params.endpointToken!);
      if (!clientId) {
        await refused(ctx, null, 'Unknown endpoint URL', 'not_found');
        ctx.status = 404;
        ctx.body = { error: 'not_found', message: 'Unknown endpoint URL' };
        return;
      }
      const outcome = await deps.activation.receive(clientId, ctx.request.form ?? {}, {
        ip: ctx.ip,
        requestId: ctx.state.requestId,
      });
      if (!outcome.ok) {
        ctx.status = outcome.status;
        ctx.body = { error: outcome.error, message: outcome.message };
        return;
      }
      ctx.status = 200;
      ctx.body = { status: 'received' };
    },
  );
  return router;
}

export function linkUrls(issuer: string, endpointToken: string) {
  return {
    endpoint_url: `${issuer}${ACTIVATION_PATH}/${endpointToken}`,
    // No query string: Magento appends `?oauth_consumer_key=…` blindly.
    identity_link_url: `${issuer}/magento/identity/${endpointToken}`,
  };
}
