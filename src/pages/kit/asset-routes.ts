import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import Router from '@koa/router';
import { VIEWS_DIR } from './view-renderer.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAsset(path: string): Asset {
  const type = TYPES[extname(path)];
  if (!type) throw new Error(`asset type not served: ${path}`);
  const body = readFileSync(path);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * The pages' static files: everything in views/assets (stylesheet, scripts), plus `extra` files
 * vendored from packages (name → absolute path). Read once at start; revalidated by ETag,
 * cached for a day. Only these names exist: no path from the request ever reaches the disk.
 */
export function assetRoutes(opts: { viewsDir?: string; extra?: Record<string, string> } = {}): Router {
  const dir = join(opts.viewsDir ?? VIEWS_DIR, 'assets');
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) if (TYPES[extname(name)]) assets.set(name, loadAsset(join(dir, name)));
  for (const [name, path] of Object.entries(opts.extra ?? {})) assets.set(name, loadAsset(path));
  const router = new Router();
  router.get('/assets/:name', (ctx, next) => {
    const asset = assets.get(ctx.params.name!);
    if (!asset) return next();
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.etag = asset.etag;
    ctx.type = asset.type;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = asset.body;
  });
  return router;
}
