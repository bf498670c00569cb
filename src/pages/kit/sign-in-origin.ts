import type { Context } from 'koa';

/** Who is signing in, for the audit rows of the step: the address and the request (route, user agent). */
export const signInOrigin = (ctx: Context) => ({ ip: ctx.ip, requestId: ctx.state.requestId ?? null });
