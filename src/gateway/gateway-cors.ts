import type { Context, Next } from 'koa';
import type { ClientStore } from '../clients/client-store.js';

/** Which browser origins may call the gateway: the bridge's decision per client, never Magento's. */
export interface GatewayCorsPolicy {
  /** A preflight carries no token: allowed when any enabled client lists the origin. */
  anyClientAllows(origin: string): Promise<boolean>;
  clientAllows(clientId: string, origin: string): Promise<boolean>;
}

export function clientCorsPolicy(clients: Pick<ClientStore, 'corsOriginAllowed' | 'findCached'>): GatewayCorsPolicy {
  return {
    anyClientAllows: (origin) => clients.corsOriginAllowed(origin),
    clientAllows: async (clientId, origin) => {
      const client = await clients.findCached(clientId);
      return client?.enabled === true && client.corsOrigins.includes(origin);
    },
  };
}

const ALLOWED_HEADERS = 'Authorization, DPoP, Content-Type, Store, Content-Currency';
// Non-safelisted response headers a browser app needs to read.
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After, X-Request-Id, X-Bridge-Source, ETag';

/**
 * Answers CORS preflights (OPTIONS with Origin and Access-Control-Request-Method); any other
 * OPTIONS goes on to the gateway like every method.
 */
export function corsPreflight(policy: GatewayCorsPolicy, methods: string) {
  return async function corsPreflightMiddleware(ctx: Context, next: Next) {
    const origin = ctx.get('origin');
    if (!origin || !ctx.get('access-control-request-method')) return next();
    ctx.vary('Origin');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Bridge-Source', 'bridge');
    if (!(await policy.anyClientAllows(origin))) {
      ctx.status = 403;
      ctx.body = {
        error: 'origin_not_allowed',
        message: `Origin ${origin} is not allowed: add it to the app's client with --cors-origin`,
      };
      return;
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Allow-Methods', methods);
    ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
  };
}

/** On an actual response: readable by the page only when the token's client lists its origin. */
export async function applyCors(ctx: Context, policy: GatewayCorsPolicy, clientId: string | undefined): Promise<void> {
  const origin = ctx.get('origin');
  if (!origin) return;
  ctx.vary('Origin');
  if (!clientId || !(await policy.clientAllows(clientId, origin))) return;
  ctx.set('Access-Control-Allow-Origin', origin);
  ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
}
