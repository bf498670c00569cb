import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';
import { brandModel } from '../../config/brand.js';
import { PROJECT_ROOT } from '../../project-root.js';

export const VIEWS_DIR = join(PROJECT_ROOT, 'views');

export interface PageModel {
  /** Shown in <title> and as the page heading. */
  title: string;
  /** Script files under /assets/ this page loads; they run under a per-response CSP nonce, nothing inline. */
  scripts?: string[];
  [key: string]: unknown;
}

export type RenderPage = (ctx: Context, view: string, model: PageModel, status?: number) => Promise<void>;

/** ejs page → layout. Templates only loop and escape; view models come from present*(). */
/** `brandName`: the store's name (BRAND_NAME) shown in every page's header. */
export function createViewRenderer(opts: { viewsDir?: string; cache: boolean; brandName?: string | null }): RenderPage {
  const dir = opts.viewsDir ?? VIEWS_DIR;
  const brand = brandModel(opts.brandName);
  const options = { cache: opts.cache, root: dir, views: [dir], rmWhitespace: false };
  return async (ctx, view, model, status = 200) => {
    const scripts = model.scripts ?? [];
    const cspNonce = scripts.length ? allowScripts(ctx) : null;
    const body = await ejs.renderFile(join(dir, `${view}.ejs`), { ...model, brand, cspNonce }, options);
    const html = await ejs.renderFile(join(dir, 'layout.ejs'), { ...model, scripts, brand, body, cspNonce }, options);
    ctx.status = status;
    ctx.type = 'html';
    // Pages carry per-interaction CSRF tokens and account details: never cache them.
    ctx.set('Cache-Control', 'no-store');
    ctx.body = html;
  };
}

/** Pages without scripts keep `default-src 'none'`; a page with scripts gets them by nonce, external files only. */
function allowScripts(ctx: Context): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = ctx.response.get('Content-Security-Policy');
  if (csp) ctx.set('Content-Security-Policy', `${csp}; script-src 'nonce-${nonce}'`);
  return nonce;
}
