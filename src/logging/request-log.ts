import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from './logger.js';
import { closeRequest, openRequest } from './request-context.js';

const VALID_ID = /^[A-Za-z0-9._-]{8,64}$/;

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
  }
}

/** Path segments that identify a client to Magento or an interaction: never in logs. */
const SECRET_PATH = /^\/(magento\/activate|magento\/identity|interaction)\/[^/]+/;

function redactPath(ctx: Context): string {
  const template = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof template === 'string') return template;
  return ctx.path.replace(SECRET_PATH, (_m, prefix: string) => `/${prefix}/:redacted`);
}

/**
 * Request id (kept from the caller when well-formed, so a proxy's id carries through) and one
 * access-log line per request. Only the path is logged, never the query: it can carry codes.
 */
export function requestLog(logger: Logger) {
  return async function requestLogMiddleware(ctx: Context, next: Next) {
    const incoming = ctx.get('x-request-id');
    const requestId = VALID_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // Made on first use: most requests log only the access line below.
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => (child ??= logger.child({ requestId })),
      configurable: true,
      enumerable: true,
    });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    openRequest(ctx, requestId, redactPath);
    try {
      await next();
    } finally {
      closeRequest(requestId);
      logger.info('request', {
        requestId,
        method: ctx.method,
        // The matched route's template when there is one: some paths carry secrets
        // (Magento's endpoint and identity-link URLs, interaction ids).
        path: redactPath(ctx),
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ip: ctx.ip,
      });
    }
  };
}
