// How PHP reads query strings and compares keys, as far as Magento's OAuth 1.0a code depends on
// it (facts: SIGNING-PROFILES.md R1, R2, D2, D3, L2). Pure functions, no I/O.
import { formDecode } from './oauth1-base-string.js';

/** A top-level value of a PHP array built by parse_str: a string, or a nested array. */
export type PhpValue = string | { array: true };

/** PHP's `preg_match('/oauth_[a-z_-]+/', $name)`: unanchored, so `myoauth_id` counts too. */
export const isProtocolParameter = (name: string): boolean => /oauth_[a-z_-]+/.test(name);

/** Keys PHP turns into integers (array keys) or compares as numbers (ksort SORT_REGULAR). */
export const isNumericKey = (key: string): boolean =>
  /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/.test(key);

/**
 * The variable name parse_str registers for a decoded key: leading spaces dropped, `.` and space
 * before the first `[` become `_`, an unmatched `[` becomes `_` (and the rest is kept as is).
 * Returns the top-level name and whether the value becomes an array.
 */
export function phpVariableName(decodedKey: string): { name: string; isArray: boolean } | null {
  const key = decodedKey.replace(/^ +/, '');
  let name = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '[') {
      if (key.indexOf(']', i + 1) >= 0) return name ? { name, isArray: true } : null;
      return { name: name + '_' + key.slice(i + 1), isArray: false };
    }
    name += ch === '.' || ch === ' ' ? '_' : ch;
  }
  return name ? { name, isArray: false } : null;
}

/** parse_str's top level: every pair (valueless ones with ''), last wins, bracket keys as arrays. */
export function parseStr(encoded: string): Map<string, PhpValue> {
  const out = new Map<string, PhpValue>();
  if (!encoded) return out;
  for (const part of encoded.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : formDecode(part.slice(eq + 1));
    const variable = phpVariableName(formDecode(rawKey));
    if (!variable) continue;
    out.set(variable.name, variable.isArray ? { array: true } : value);
  }
  return out;
}

/**
 * Magento's Request.php query rule (R1): a pair counts only when it splits into exactly two
 * pieces on `=` and its raw key is not a protocol parameter; both sides urldecoded; last wins.
 */
export function requestHelperQueryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const part of query.split('&')) {
    const pieces = part.split('=');
    if (pieces.length !== 2 || isProtocolParameter(pieces[0]!)) continue;
    out.set(formDecode(pieces[0]!), formDecode(pieces[1]!));
  }
  return out;
}

/** PHP strnatcmp: runs of digits compare by value, everything else byte by byte. */
export function strnatcmp(a: string, b: string): number {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let i = 0;
  let j = 0;
  for (;;) {
    const ca = a[i];
    const cb = b[j];
    if (isDigit(ca) && isDigit(cb)) {
      const ra = /^\d+/.exec(a.slice(i))![0];
      const rb = /^\d+/.exec(b.slice(j))![0];
      // Runs with a leading zero compare left-aligned (PHP's "fractional" rule), others by value.
      if (!ra.startsWith('0') && !rb.startsWith('0') && ra.length !== rb.length) return ra.length < rb.length ? -1 : 1;
      const n = Math.min(ra.length, rb.length);
      for (let k = 0; k < n; k++) if (ra[k] !== rb[k]) return ra[k]! < rb[k]! ? -1 : 1;
      if (ra.length !== rb.length) return ra.length < rb.length ? -1 : 1;
      i += ra.length;
      j += rb.length;
      continue;
    }
    if (ca === undefined && cb === undefined) return 0;
    if (ca === undefined) return -1;
    if (cb === undefined) return 1;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i++;
    j++;
  }
}
