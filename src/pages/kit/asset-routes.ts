import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import { VIEWS_DIR } from './view-renderer.js';

/** The one stylesheet of the pages, read once; revalidated by ETag, cached for a day. */
export function assetRoutes(opts: { viewsDir?: string } = {}): Router {
  const css = readFileSync(join(opts.viewsDir ?? VIEWS_DIR, 'assets', 'app.css'));
  const etag = `"${createHash('sha256').update(css).digest('base64url').slice(0, 22)}"`;
  const router = new Router();
  router.get('/assets/app.css', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.etag = etag;
    ctx.type = 'text/css; charset=utf-8';
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = css;
  });
  return router;
}
