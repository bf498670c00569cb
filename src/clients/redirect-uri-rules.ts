/** What kind of client a redirect URI implies (oidc-provider's `application_type`). */
export type RedirectKind = 'web' | 'native' | 'web-dev';

const LOOPBACK_IPS = new Set(['127.0.0.1', '[::1]']);
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);
// RFC 8252 §7.1: private-use schemes are reverse domain names (com.example.app).
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;

/**
 * Validates one redirect URI; returns its kind or throws with the reason. Matching at the
 * authorization endpoint is exact string match (loopback: any port, RFC 8252 §7.3).
 */
export function checkRedirectUri(uri: string, opts: { production: boolean }): RedirectKind {
  if (typeof uri !== 'string' || !uri.length || uri.length > 2000)
    throw new Error('redirect URI must be a non-empty string');
  if (uri.includes('*')) throw new Error(`redirect URI must not contain wildcards: ${uri}`);
  if (uri.includes('#')) throw new Error(`redirect URI must not contain a fragment: ${uri}`);
  if (/\s/.test(uri)) throw new Error(`redirect URI must not contain whitespace: ${uri}`);
  const u = URL.parse(uri);
  if (!u) throw new Error(`redirect URI is not an absolute URI: ${uri}`);
  if (u.username || u.password || /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(uri))
    throw new Error(`redirect URI must not contain userinfo: ${uri}`);
  if (u.protocol === 'https:') {
    if (LOOPBACK_IPS.has(u.hostname)) throw new Error(`loopback redirect URIs use http, not https: ${uri}`);
    return 'web';
  }
  if (u.protocol === 'http:') {
    if (LOOPBACK_IPS.has(u.hostname)) return 'native';
    if (opts.production)
      throw new Error(`redirect URI must use https (http only for 127.0.0.1 / [::1] loopback): ${uri}`);
    return 'web-dev';
  }
  if (FORBIDDEN_SCHEMES.has(u.protocol)) throw new Error(`redirect URI scheme ${u.protocol} is not allowed: ${uri}`);
  if (!PRIVATE_USE_SCHEME.test(u.protocol)) {
    throw new Error(`custom redirect URI schemes must be reverse domain names like com.example.app: ${uri}`);
  }
  return 'native';
}

/**
 * oidc-provider's application_type for a set of redirect URIs; mixing loopback/custom schemes with plain http is
 * refused.
 */
export function applicationTypeFor(uris: readonly string[], opts: { production: boolean }): 'web' | 'native' {
  const kinds = new Set(uris.map((u) => checkRedirectUri(u, opts)));
  if (kinds.has('native') && kinds.has('web-dev')) {
    throw new Error('a client cannot mix loopback/private-use redirect URIs with non-loopback http ones');
  }
  return kinds.has('native') ? 'native' : 'web';
}
