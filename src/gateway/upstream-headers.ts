import type { Context } from 'koa';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Request headers the store may see from the caller. An allowlist: anything else (method
 * overrides, X-Original-URL / X-Rewrite-URL, Proxy-*, the caller's own X-Forwarded-*, headers
 * named in Connection…) could change what Magento does with the signed request.
 * Authorization, Content-Length and X-Forwarded-* are set by the bridge itself.
 */
const FORWARDED_REQUEST = new Set([
  'accept',
  'accept-language',
  'accept-encoding',
  'content-type',
  'content-encoding',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'user-agent',
  // Magento reads these: store view and currency (REST and GraphQL), GraphQL cache id.
  'store',
  'content-currency',
  'x-magento-cache-id',
]);

/**
 * Response headers that would act on the bridge's origin rather than describe Magento's answer
 * (CORS, HSTS, CSP, cookies, redirects, alternative services), and hop-by-hop headers. The
 * bridge sets its own CORS headers per client.
 */
const DROPPED_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-connection',
  'content-length',
  'set-cookie',
  'set-cookie2',
  'strict-transport-security',
  'content-security-policy',
  'content-security-policy-report-only',
  'refresh',
  'alt-svc',
  'clear-site-data',
  'public-key-pins',
  'expect-ct',
]);

/** Names listed in a Connection header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const raw = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    raw
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function upstreamRequestHeaders(ctx: Context, upstreamUrl: URL): Record<string, string> {
  const hopByHop = connectionTokens(ctx.headers.connection);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (value === undefined || !FORWARDED_REQUEST.has(name) || hopByHop.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Append the peer we saw; a caller's own X-Forwarded-For is kept only from a trusted proxy.
  headers['x-forwarded-for'] = [ctx.app.proxy ? ctx.get('x-forwarded-for') : '', ctx.req.socket.remoteAddress]
    .filter(Boolean)
    .join(', ');
  // Magento signs with https only when it sees TLS or this header: it must match the URL we signed.
  headers['x-forwarded-proto'] = upstreamUrl.protocol.slice(0, -1);
  headers['x-request-id'] = ctx.state.requestId;
  return headers;
}

export function copyResponseHeaders(
  ctx: Context,
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): void {
  const hopByHop = connectionTokens(headers.connection);
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (value === undefined || DROPPED_RESPONSE.has(n) || hopByHop.has(n) || n.startsWith('access-control-')) continue;
    ctx.set(n, value as string | string[]);
  }
}
