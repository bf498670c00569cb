import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.js';

declare module 'koa' {
  interface Request {
    form?: Record<string, string>;
  }
}

/**
 * urlencoded bodies for our own form routes only (never in front of oidc-provider, which parses
 * its own). Small limit: these forms carry a few short fields.
 */
export function formBody(opts: { limitBytes?: number } = {}) {
  const limit = opts.limitBytes ?? 8 * 1024;
  return async function formBodyMiddleware(ctx: Context, next: Next) {
    if (!ctx.request.is('application/x-www-form-urlencoded'))
      throw new AppError('request.unsupported_media_type', 'expected a form submission', 415);
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limit) throw new AppError('request.too_large', 'form too large', 413);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new AppError('request.too_large', 'form too large', 413);
      chunks.push(chunk as Buffer);
    }
    const form: Record<string, string> = {};
    // First value wins; repeated fields are not a feature of these forms.
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) if (!(k in form)) form[k] = v;
    ctx.request.form = form;
    await next();
  };
}
