// The ways a real store in front of Magento goes wrong, one knob each, for `doctor` tests: what
// the web server (not Magento) answers when TLS, rewrites, redirects or the clock are off.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface StoreFaults {
  /** Serve https with this key and certificate (PEM): expired, self-signed, wrong host… */
  tls?: { key: string; cert: string };
  /** The store lives under a subpath (`/shop/`): store_base_url and every route below it. */
  basePath?: string;
  /** A rewrite rule (.htaccess RewriteBase) that loses /oauth/token/*: the web server's 404 page. */
  rewriteLosesOauth?: boolean;
  /** The store's clock is this far off: its Date header and its oauth_timestamp check. */
  dateSkewMs?: number;
  /** GET {store}magento_version answers `Magento/<version> (<edition>)`; unset: no such page (404). */
  magentoVersion?: string;
  edition?: string;
  /** Every request redirected: to itself with the trailing slash toggled (loop), or from https to http. */
  redirect?: 'loop' | 'to-http';
}

const NOT_FOUND_PAGE =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n' +
  '</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n';

function webServerNotFound(res: ServerResponse): true {
  res.writeHead(404, { 'content-type': 'text/html; charset=iso-8859-1' });
  res.end(NOT_FOUND_PAGE);
  return true;
}

/** Answers the request when a fault applies (true); otherwise leaves it to Magento (false). */
export function storeFault(
  req: IncomingMessage,
  res: ServerResponse,
  faults: StoreFaults,
  store: { scheme: 'http' | 'https'; now: () => number },
): boolean {
  if (faults.dateSkewMs !== undefined) res.setHeader('date', new Date(store.now()).toUTCString());
  const rawUrl = req.url ?? '/';
  const host = req.headers.host ?? 'localhost';
  if (faults.redirect) {
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = q < 0 ? '' : rawUrl.slice(q);
    const target =
      faults.redirect === 'loop'
        ? `${store.scheme}://${host}${path.endsWith('/') ? path.slice(0, -1) || '/x' : `${path}/`}${query}`
        : `http://${host}${rawUrl}`;
    res.writeHead(301, { location: target, 'content-type': 'text/html' });
    res.end();
    return true;
  }
  const base = faults.basePath ?? '/';
  const path = rawUrl.split('?')[0]!;
  if (!path.startsWith(base)) return webServerNotFound(res);
  const below = path.slice(base.length);
  if (faults.rewriteLosesOauth && /^(index\.php\/)?oauth\/token\//.test(below)) return webServerNotFound(res);
  if (below === 'magento_version' && req.method === 'GET') {
    if (!faults.magentoVersion) return false;
    res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
    res.end(`Magento/${faults.magentoVersion} (${faults.edition ?? 'Community'})`);
    return true;
  }
  return false;
}
