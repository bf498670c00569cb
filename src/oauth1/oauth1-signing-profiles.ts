// The OAuth 1.0a base string each Magento code line computes for a request, so the bridge signs
// exactly what the store will check (facts and case table: SIGNING-PROFILES.md). Pure functions.
import {
  baseString as rfcBaseString,
  parseFormPairs,
  percentEncode,
  splitUrl,
  type ParamPairs,
} from './oauth1-base-string.js';
import {
  isNumericKey,
  isProtocolParameter,
  parseStr,
  requestHelperQueryParams,
  strnatcmp,
  type PhpValue,
} from './php-query-semantics.js';

export const SIGNING_PROFILES = ['2.4-develop', '2.4-urifix', '2.4-laminas', 'rfc5849'] as const;
export type SigningProfile = (typeof SIGNING_PROFILES)[number];

export const isSigningProfile = (value: string): value is SigningProfile =>
  (SIGNING_PROFILES as readonly string[]).includes(value);

export interface ProfileRequest {
  method: string;
  /** Absolute URL exactly as it is sent (path escapes kept). */
  url: string;
  /** Raw `application/x-www-form-urlencoded` body; undefined for any other body. */
  formBody?: string;
  /** oauth_* protocol parameters sent in the Authorization header (no signature). */
  oauth: Record<string, string>;
}

export type ProfileBaseString = { ok: true; baseString: string } | { ok: false; reason: string };

interface UrlParts {
  scheme: string;
  host: string;
  port: string | undefined;
  path: string;
  query: string;
}

function parts(url: string): UrlParts {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^/?#@]*@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d*))?([^?#]*)(?:\?([^#]*))?/.exec(
    url,
  );
  if (!m || !m[2]) throw new Error(`Not an absolute URL with a host: ${url}`);
  return { scheme: m[1]!, host: m[2], port: m[3] || undefined, path: m[4] || '', query: m[5] ?? '' };
}

/** RFC 3986 §5.2.4, as laminas-uri's removePathDotSegments. */
export function removeDotSegments(path: string): string {
  let input = path;
  let output = '';
  while (input) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../') || input === '/..') {
      input = '/' + input.slice(input === '/..' ? 3 : 4);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const segment = next < 0 ? input : input.slice(0, next);
      output += segment;
      input = input.slice(segment.length);
    }
  }
  return output;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
// laminas-uri decodes these in paths too (L1): unreserved plus `:@&=+$,/;%`.
const LAMINAS_PATH_DECODED = /^[A-Za-z0-9\-._~:@&=+$,/;%]$/;

/** Decodes the escapes whose character `decoded` allows; upper-cases the others. */
function normalizeEscapes(path: string, decoded: RegExp): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return decoded.test(ch) ? ch : whole.toUpperCase();
  });
}

/** laminas' normaliseBaseSignatureUrl: host lower-cased, default port dropped, no query. */
function laminasUrl(u: UrlParts, decoded: RegExp): string {
  const scheme = u.scheme.toLowerCase();
  const defaultPort = (scheme === 'http' && u.port === '80') || (scheme === 'https' && u.port === '443');
  const port = u.port && !defaultPort ? `:${u.port}` : '';
  return `${scheme}://${u.host.toLowerCase()}${port}${normalizeEscapes(removeDotSegments(u.path), decoded)}`;
}

/** Request.php (R1, R2): header oauth params, then form body (parse_str), then query pairs. */
function requestHelperParams(req: ProfileRequest, query: string): Map<string, PhpValue> {
  const params = new Map<string, PhpValue>(Object.entries(req.oauth));
  if (req.formBody !== undefined) {
    for (const [k, v] of parseStr(req.formBody)) if (!isProtocolParameter(k)) params.set(k, v);
  }
  for (const [k, v] of requestHelperQueryParams(query)) params.set(k, v);
  return params;
}

function laminasBaseString(req: ProfileRequest, decoded: RegExp): ProfileBaseString {
  const u = parts(req.url);
  const encoded = [...requestHelperParams(req, u.query)].map(
    // laminas urlEncode()s each value; a nested array becomes the string "Array" (R2).
    ([k, v]) => [percentEncode(k), percentEncode(typeof v === 'string' ? v : 'Array')] as const,
  );
  encoded.sort(([a], [b]) => strnatcmp(a, b)); // L2: uksort(strnatcmp) on encoded keys
  const normalized = encoded.map(([k, v]) => `${k}=${v}`).join('&');
  return {
    ok: true,
    baseString: [req.method.toUpperCase(), percentEncode(laminasUrl(u, decoded)), percentEncode(normalized)].join('&'),
  };
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Magento's own Hmac helper on the newest line (D1–D4). */
function developBaseString(req: ProfileRequest): ProfileBaseString {
  const u = parts(req.url);
  const params = requestHelperParams(req, u.query);
  for (const [k, v] of parseStr(u.query)) params.set(k, v); // D2: parse_str merged over
  const numeric = [...params.keys()].find(isNumericKey);
  // D3: strict_types + an integer array key → TypeError → HTTP 500 from Magento.
  if (numeric !== undefined) {
    return {
      ok: false,
      reason:
        `Magento (2.4-develop) cannot verify a request with the numeric parameter name ` +
        `"${numeric}": it fails with an internal error`,
    };
  }
  for (const key of [...params.keys()]) {
    if (key.includes('[') && key.includes(']')) {
      const base = key.slice(0, key.indexOf('['));
      if (typeof params.get(base) === 'object') params.delete(base);
    }
  }
  const normalized = [...params]
    .sort(([a], [b]) => byteOrder(a, b)) // D4: ksort on decoded keys
    .filter(([k, v]) => k !== 'oauth_signature' && (typeof v === 'string' || k.includes('[')))
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(typeof v === 'string' ? v : 'Array')}`)
    .join('&');
  const url = `${u.scheme}://${u.host}${u.port !== undefined ? `:${u.port}` : ''}${u.path}`; // D1: as received
  return { ok: true, baseString: [req.method.toUpperCase(), percentEncode(url), percentEncode(normalized)].join('&') };
}

/** RFC 5849 with Magento's pair rules: the bridge's original signer. */
function rfc5849BaseString(req: ProfileRequest): ProfileBaseString {
  const { baseUrl, query } = splitUrl(req.url);
  const others = new Map<string, string>();
  for (const [k, v] of [...parseFormPairs(query), ...parseFormPairs(req.formBody ?? '')]) {
    if (!k.startsWith('oauth_')) others.set(k, v);
  }
  const pairs: ParamPairs = [...Object.entries(req.oauth), ...others];
  return { ok: true, baseString: rfcBaseString(req.method, baseUrl, pairs) };
}

/** The base string the given Magento code line computes for this request, or why it cannot verify it. */
export function profileBaseString(profile: SigningProfile, req: ProfileRequest): ProfileBaseString {
  switch (profile) {
    case '2.4-develop':
      return developBaseString(req);
    case '2.4-urifix':
      return laminasBaseString(req, UNRESERVED);
    case '2.4-laminas':
      return laminasBaseString(req, LAMINAS_PATH_DECODED);
    case 'rfc5849':
      return rfc5849BaseString(req);
  }
}
