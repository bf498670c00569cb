import type { Context } from 'koa';

/** What an audit row may take from the request it was recorded in (never a raw path: see routeOf). */
export interface RequestContext {
  ip: string;
  userAgent: string | null;
  /** `METHOD /route/template`, read when asked (the router matches after the request starts). */
  route(): string;
}

/**
 * The requests being served, by request id: an audit event that names its request gets the rest
 * from here. A map rather than AsyncLocalStorage, whose promise hooks (Node 22) tax every promise
 * of every request, hot paths included.
 */
const open = new Map<string, RequestContext>();

export function openRequest(ctx: Context, requestId: string, routeOf: (ctx: Context) => string): void {
  open.set(requestId, {
    ip: ctx.ip,
    userAgent: ctx.get('user-agent') || null,
    route: () => `${ctx.method} ${routeOf(ctx)}`,
  });
}

export function closeRequest(requestId: string): void {
  open.delete(requestId);
}

/** The request with this id while it is being served, or undefined. */
export function requestContext(requestId: string | null | undefined): RequestContext | undefined {
  return requestId ? open.get(requestId) : undefined;
}
