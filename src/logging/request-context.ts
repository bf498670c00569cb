import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'koa';

/** What an audit row may take from the request it was recorded in (never a raw path: see routeOf). */
export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent: string | null;
  /** `METHOD /route/template`, read when asked (the router matches after this is set). */
  route(): string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs the rest of the request with its context reachable from anywhere below (the audit log). */
export function runInRequest<T>(ctx: Context, requestId: string, routeOf: (ctx: Context) => string, fn: () => T): T {
  return storage.run(
    {
      requestId,
      ip: ctx.ip,
      userAgent: ctx.get('user-agent') || null,
      route: () => `${ctx.method} ${routeOf(ctx)}`,
    },
    fn,
  );
}

/** The request being served, or undefined (the CLI, timers, start-up). */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}
