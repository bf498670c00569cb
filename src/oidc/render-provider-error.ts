import type { KoaContextWithOIDC } from 'oidc-provider';

const escape = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * HTML error page for browser-facing provider routes (bad client_id, bad redirect_uri…): these
 * must never redirect, so the user sees what went wrong here. No external assets.
 */
export async function renderProviderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorization error</title><link rel="stylesheet" href="/assets/app.css"></head>
<body><header class="topbar"><div class="brand"><span class="brand-mark" aria-hidden="true"></span><span>Magento OAuth</span><span class="brand-sub">Store authorization</span></div></header>
<main id="main" class="page"><section class="card card-narrow" role="alert"><h1>Something went wrong</h1>
<p class="lead">${escape(out.error_description)}</p><p class="muted">Error code: <code>${escape(out.error)}</code></p>
<p>Go back to the application and try again, or contact its developer.</p></section></main></body></html>`;
}
