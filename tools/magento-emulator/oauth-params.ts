// The emulator's own OAuth 1.0a verification, written from PROTOCOL.md §3 the way Magento reads
// a request (Framework/Oauth/Helper/Request.php). Deliberately independent of src/oauth1/.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** PHP rawurlencode. */
export function rawurlencode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** PHP urldecode (`+` is a space). */
export const urldecode = (s: string): string => decode(s.replace(/\+/g, ' '));

/**
 * `Authorization: OAuth k="v",…` → oauth_* params. Anything not starting `OAuth ` (any case)
 * yields nothing, as in Magento. Split on `,`, then on the first `=`, quotes stripped,
 * rawurldecoded; `realm` and non-oauth names dropped.
 */
export function parseAuthorizationHeader(header: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  if (!header || !/^oauth /i.test(header)) return params;
  for (const part of header.slice(6).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = decode(part.slice(0, eq).trim());
    const value = decode(
      part
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, ''),
    );
    if (name.startsWith('oauth_')) params[name] = value;
  }
  return params;
}

/** Query or form pairs with exactly one `=`, urldecoded, brackets not parsed, last one wins. */
export function parsePairs(raw: string, dropOauth: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    const bits = pair.split('=');
    if (bits.length !== 2) continue;
    const key = urldecode(bits[0]!);
    if (dropOauth && key.startsWith('oauth_')) continue;
    out[key] = urldecode(bits[1]!);
  }
  return out;
}

/** scheme://host[:port]/path from the Host header and the raw path; unreserved escapes decoded. */
export function requestUrl(scheme: string, hostHeader: string, rawPath: string): string {
  let host = hostHeader.toLowerCase();
  if ((scheme === 'http' && host.endsWith(':80')) || (scheme === 'https' && host.endsWith(':443'))) {
    host = host.replace(/:\d+$/, '');
  }
  const path = rawPath.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : whole;
  });
  return `${scheme}://${host}${path}`;
}

export function signatureBaseString(method: string, url: string, params: Record<string, string>): string {
  const pairs = Object.entries(params)
    .filter(([k]) => k !== 'oauth_signature')
    .map(([k, v]) => [rawurlencode(k), rawurlencode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${method.toUpperCase()}&${rawurlencode(url)}&${rawurlencode(pairs)}`;
}

export function isSignatureValid(
  base: string,
  signature: string,
  consumerSecret: string,
  tokenSecret: string,
): boolean {
  const key = `${rawurlencode(consumerSecret)}&${rawurlencode(tokenSecret)}`;
  const expected = Buffer.from(createHmac('sha256', key).update(base).digest('base64'));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
