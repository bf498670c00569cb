// Pieces of the OAuth 1.0a signature base string, shaped the way Magento 2.4 collects them
// (Framework/Oauth/Helper/Request.php). Kept apart from the signer so each rule is testable alone.

export type ParamPairs = Array<[string, string]>;

/** RFC 3986 encoding (PHP rawurlencode): only A-Z a-z 0-9 - . _ ~ stay as they are. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** PHP urldecode: `+` is a space, bad escapes are left alone instead of throwing. */
export function formDecode(value: string): string {
  const spaced = value.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%[0-9A-Fa-f]{2}/g, (h) => String.fromCharCode(parseInt(h.slice(1), 16)));
  }
}

/**
 * Pairs from a query string or form body, as Magento reads them: a pair counts only with exactly
 * one `=` (`?a` and `a=b=c` are not signed), brackets are not parsed (the whole
 * `searchCriteria[...]` is one key), both sides urldecoded.
 */
export function parseFormPairs(encoded: string): ParamPairs {
  const pairs: ParamPairs = [];
  if (!encoded) return pairs;
  for (const part of encoded.split('&')) {
    const pieces = part.split('=');
    if (pieces.length !== 2) continue;
    pairs.push([formDecode(pieces[0]!), formDecode(pieces[1]!)]);
  }
  return pairs;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

// Characters that may appear raw in a path segment (RFC 3986 pchar) plus `/` and `%`.
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The path exactly as it goes on the wire: existing escapes (including `%2F` in a SKU) are kept,
 * characters that cannot travel raw are UTF-8 escaped, and escaped unreserved characters are
 * decoded (RFC 3986 §6.2.2.2), which both old and new Magento do before signing.
 */
export function wirePath(path: string): string {
  let out = '';
  for (const ch of path) {
    out += PATH_SAFE.test(ch) ? ch : percentEncode(ch);
  }
  out = out.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : whole.toUpperCase();
  });
  return out || '/';
}

export interface SplitUrl {
  /** scheme://host[:port]/path, normalized for the base string. */
  baseUrl: string;
  /** Raw query string without `?` ('' when absent). */
  query: string;
}

/** Lowercase scheme and host, default port dropped, other ports kept, fragment ignored. */
export function splitUrl(url: string): SplitUrl {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) throw new Error(`Not an absolute URL: ${url}`);
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!.replace(/^.*@/, '').toLowerCase();
  const hostPort = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hostPort || !hostPort[1]) throw new Error(`URL has no host: ${url}`);
  const port = hostPort[2];
  const keepPort = port && port !== DEFAULT_PORTS[scheme];
  const host = keepPort ? `${hostPort[1]}:${port}` : hostPort[1];
  return { baseUrl: `${scheme}://${host}${wirePath(m[3]!)}`, query: m[4] ?? '' };
}

/**
 * Normalized parameter string: every key and value RFC 3986-encoded, sorted by encoded key then
 * value in byte order (portable across laminas' strnatcmp and newer ksort for sane keys).
 */
export function normalizeParams(pairs: ParamPairs): string {
  const encoded = pairs.map(([k, v]) => [percentEncode(k), percentEncode(v)] as const);
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join('&');
}

export function baseString(method: string, baseUrl: string, pairs: ParamPairs): string {
  return [method.toUpperCase(), percentEncode(baseUrl), percentEncode(normalizeParams(pairs))].join('&');
}
