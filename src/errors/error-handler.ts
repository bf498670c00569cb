import type { Context, Next } from 'koa';
import { isAppError } from './app-error.js';

/**
 * Last line for our own routes: known errors become their status and a JSON body; anything else
 * is logged and answered with a bare 500, never a stack trace.
 */
export function errorHandler() {
  return async function errorHandlerMiddleware(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      if (isAppError(err)) {
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.expose ? err.message : 'Internal error' };
        if (err.status >= 500) ctx.state.log?.error('request failed', { err, code: err.code });
        return;
      }
      const status = (err as { status?: number; expose?: boolean }).status;
      if (status && status < 500 && (err as { expose?: boolean }).expose) {
        ctx.status = status;
        ctx.body = { error: 'invalid_request', message: (err as Error).message };
        return;
      }
      ctx.state.log?.error('unhandled error', {
        err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack },
      });
      ctx.status = 500;
      ctx.body = { error: 'server_error', message: 'Internal error', requestId: ctx.state.requestId };
    }
  };
}
