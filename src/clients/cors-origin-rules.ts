const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
export const MAX_CORS_ORIGINS = 20;

/**
 * Validates one CORS origin of a client: an exact origin (scheme, host, optional port; no path,
 * query, fragment, wildcard or userinfo), written as browsers send it in `Origin`, since it is
 * compared as a string. https only in production, except loopback (local development).
 */
export function checkCorsOrigin(origin: string, opts: { production: boolean }): void {
  if (typeof origin !== 'string' || !origin.length || origin.length > 300)
    throw new Error('CORS origin must be a non-empty string');
  if (origin.includes('*')) throw new Error(`CORS origin must not contain wildcards: ${origin}`);
  const u = URL.parse(origin);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    throw new Error(`CORS origin must be an http(s) origin like https://app.example.com: ${origin}`);
  if (u.origin !== origin) {
    throw new Error(`CORS origin must be scheme, host and port only, as browsers send it (${u.origin}): ${origin}`);
  }
  if (opts.production && u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname)) {
    throw new Error(`CORS origin must use https (http only for loopback): ${origin}`);
  }
}

export function checkCorsOrigins(origins: readonly string[], opts: { production: boolean }): void {
  if (origins.length > MAX_CORS_ORIGINS) throw new Error(`at most ${MAX_CORS_ORIGINS} CORS origins`);
  for (const o of origins) checkCorsOrigin(o, opts);
}
