// How each Magento code line computes the OAuth 1.0a base string of a REST call, written from
// SIGNING-PROFILES.md in the shape of Magento's and laminas' own code (Request.php → Oauth.php →
// the line's Hmac signer). Deliberately independent of src/oauth1/: the bridge's signer
// must agree with it, not share code with it.
import type { RawRequest } from './emulator-request.js';

export const SIGNATURE_LINES = ['2.4-develop', '2.4-urifix', '2.4-laminas', 'rfc5849'] as const;
export type SignatureLine = (typeof SIGNATURE_LINES)[number];

type PhpArray = Map<string, string | PhpArray>;

const rawurlencode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
function rawurldecode(s: string): string {
  return s.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1');
    }
  });
}
const urldecode = (s: string) => rawurldecode(s.replace(/\+/g, ' '));
const isProtocolParameter = (name: string) => /oauth_[a-z_-]+/.test(name);

/** A PHP integer array key (what `(int)` keys look like inside a PHP array). */
const isIntKey = (k: string) => /^(0|-?[1-9]\d*)$/.test(k);
const isNumericString = (k: string) => /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(k);

/** PHP parse_str, top level only (nested arrays kept opaque). */
function parseStr(query: string): PhpArray {
  const out: PhpArray = new Map();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const [rawName, ...rest] = pair.split('=');
    let name = urldecode(rawName!).replace(/^ +/, '');
    const value = rest.length ? urldecode(rest.join('=')) : '';
    const bracket = name.indexOf('[');
    let isArray = false;
    let base = bracket < 0 ? name : name.slice(0, bracket);
    base = base.replace(/[. ]/g, '_');
    if (bracket >= 0) {
      if (name.indexOf(']', bracket) > bracket) isArray = true;
      else base = base + '_' + name.slice(bracket + 1);
    }
    name = base;
    if (!name) continue;
    out.set(name, isArray ? new Map() : value);
  }
  return out;
}

/** Request.php _processRequest: header oauth params, form body params, then query pairs. */
function requestParams(req: RawRequest): PhpArray {
  const params: PhpArray = new Map();
  const header = String(req.headers.authorization ?? '');
  const at = header.toLowerCase().indexOf('oauth ');
  if (at < 0) return params;
  for (const piece of header.slice(at + 6).split(',')) {
    const trimmed = piece.trim();
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    const name = trimmed.slice(0, eq);
    if (isProtocolParameter(name))
      params.set(rawurldecode(name), rawurldecode(trimmed.slice(eq + 1).replace(/^"+|"+$/g, '')));
  }
  if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of parseStr(req.body)) if (!isProtocolParameter(k)) params.set(k, v);
  }
  for (const pair of req.query ? req.query.split('&') : []) {
    const data = pair.split('=');
    if (data.length === 2 && !isProtocolParameter(data[0]!)) params.set(urldecode(data[0]!), urldecode(data[1]!));
  }
  return params;
}

export class SignatureLineFailure extends Error {}

function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '..') {
      if (out.length > 1) out.pop();
      if (i === segments.length - 1) out.push('');
    } else if (s === '.') {
      if (i === segments.length - 1) out.push('');
    } else out.push(s);
  }
  return out.join('/');
}

/** laminas-uri normalize() of the path: decode the allowed escapes, upper-case the rest. */
function normalizePath(path: string, decodable: string): string {
  return removeDotSegments(path).replace(/%[0-9A-Fa-f]{2}/g, (esc) => {
    const ch = String.fromCharCode(parseInt(esc.slice(1), 16));
    return /[A-Za-z0-9]/.test(ch) || decodable.includes(ch) ? ch : esc.toUpperCase();
  });
}

function natCompare(a: string, b: string): number {
  const re = /(\d+)|(\D)/g;
  const ta = [...a.matchAll(re)].map((m) => m[0]);
  const tb = [...b.matchAll(re)].map((m) => m[0]);
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      if (x[0] !== '0' && y[0] !== '0' && x.length !== y.length) return x.length - y.length;
      return x < y ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return 0;
}

function laminas(req: RawRequest, scheme: string, decodable: string): string {
  let host = String(req.headers.host ?? '').toLowerCase();
  if ((scheme === 'http' && host.endsWith(':80')) || (scheme === 'https' && host.endsWith(':443')))
    host = host.replace(/:\d+$/, '');
  const url = `${scheme}://${host}${normalizePath(req.rawPath, decodable)}`;
  const encoded = new Map<string, string>();
  for (const [k, v] of requestParams(req)) {
    if (k === 'oauth_signature') continue;
    encoded.set(rawurlencode(k), rawurlencode(typeof v === 'string' ? v : 'Array'));
  }
  const keys = [...encoded.keys()].sort(natCompare);
  return `${req.method}&${rawurlencode(url)}&${rawurlencode(keys.map((k) => `${k}=${encoded.get(k)}`).join('&'))}`;
}

function develop(req: RawRequest, scheme: string): string {
  const url = `${scheme}://${req.headers.host ?? ''}${req.rawPath}`;
  const params = requestParams(req);
  for (const [k, v] of parseStr(req.query)) params.set(k, v); // array_merge over Request.php's
  for (const key of params.keys()) {
    if (isIntKey(key))
      throw new SignatureLineFailure('str_contains(): Argument #1 ($haystack) must be of type string, int given');
  }
  for (const key of [...params.keys()]) {
    if (key.includes('[') && key.includes(']')) {
      const base = key.slice(0, key.indexOf('['));
      if (params.get(base) instanceof Map) params.delete(base);
    }
  }
  const keys = [...params.keys()].sort((a, b) => {
    // ksort SORT_REGULAR: two numeric strings compare as numbers, others as bytes.
    if (isNumericString(a) && isNumericString(b)) return Number(a) - Number(b);
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
  const normalized: string[] = [];
  for (const k of keys) {
    const v = params.get(k)!;
    if (k === 'oauth_signature') continue;
    if (typeof v === 'string') normalized.push(`${rawurlencode(k)}=${rawurlencode(v)}`);
    else if (k.includes('[')) normalized.push(`${rawurlencode(k)}=Array`);
  }
  return `${req.method}&${rawurlencode(url)}&${rawurlencode(normalized.join('&'))}`;
}

/** The base string the given line computes; throws SignatureLineFailure where Magento answers 500. */
export function lineBaseString(line: Exclude<SignatureLine, 'rfc5849'>, req: RawRequest, scheme = 'http'): string {
  if (line === '2.4-develop') return develop(req, scheme);
  return laminas(req, scheme, line === '2.4-laminas' ? '-._~:@&=+$,/;%' : '-._~');
}

/** Request.php's parameters, flattened for the protocol checks (nested arrays dropped). */
export function lineProtocolParams(req: RawRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of requestParams(req)) if (typeof v === 'string') out[k] = v;
  return out;
}
