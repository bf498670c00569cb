import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Context } from 'koa';
import { createViewRenderer } from '../kit/view-renderer.js';
import { providerErrorText } from './provider-error-text.js';

/**
 * HTML error page for browser-facing provider routes (bad client_id, bad redirect_uri…): these
 * must never redirect, so the user sees what went wrong here, in the product's layout: words for
 * a person, then the code and oidc-provider's description for the developer (escaped by ejs).
 * Headers come from providerPageHeaders, like every page oidc-provider renders.
 */
export function createProviderErrorRenderer(opts: { cache: boolean; brandName: string | null; viewsDir?: string }) {
  const render = createViewRenderer({ cache: opts.cache, brandName: opts.brandName, viewsDir: opts.viewsDir });
  return async function renderProviderError(
    ctx: KoaContextWithOIDC,
    out: { error: string; error_description?: string },
  ): Promise<void> {
    const error = String(out.error ?? 'server_error');
    const text = providerErrorText(error);
    const description = out.error_description ? String(out.error_description).slice(0, 500) : '';
    await render(
      ctx as unknown as Context,
      'provider-error',
      { ...text, error, description },
      ctx.status >= 400 ? ctx.status : 400,
    );
  };
}
