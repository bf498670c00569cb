type Fields = Record<string, unknown>;

export const REDACTED = '[redacted]';

/**
 * Field names that hold a credential wherever they appear: client secrets, passwords, every
 * kind of token, PKCE verifiers, JWT assertions, one-time codes, HTTP credentials and cookies.
 */
const ALWAYS_SECRET =
  /(secret|token|password|passwd|authorization|cookie|otp|consumer_key|api_?key|verifier|private|assertion|signature|recovery_?code)/i;

/**
 * `code` is an OAuth authorization code in request parameters, but an HTTP status or an error
 * code (err.code = 'ECONNREFUSED') elsewhere. Redact it by where it sits, not by its name.
 */
const PARAM_CONTAINERS = new Set([
  'query',
  'body',
  'form',
  'params',
  'parameters',
  'oauth',
  'request',
  'req',
  'input',
  'payload',
  'fields',
]);
const ERROR_CONTAINERS = new Set(['err', 'error', 'cause', 'errors']);
/** What error codes look like: ECONNREFUSED, ERR_INVALID_URL, invalid_grant, 23505. */
const ERROR_CODE_SHAPE = /^(?:[A-Z][A-Z0-9_]{1,39}|[a-z]+(?:_[a-z]+)+|\d{1,5})$/;

/** Query parameters of URLs in log fields that carry a credential. */
const SECRET_QUERY_PARAMS = [
  'code',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code_verifier',
  'assertion',
  'client_assertion',
  'password',
  'oauth_verifier',
  'oauth_token',
  'otp',
  'totp',
];
const URL_FIELD = /^(url|uri|href|location|redirect|redirect_uri|referer|referrer|originalUrl)$/i;

function isSecretCode(parent: string | null, value: unknown): boolean {
  if (parent !== null && ERROR_CONTAINERS.has(parent)) return false;
  if (parent !== null && PARAM_CONTAINERS.has(parent)) return true;
  // Elsewhere (top level, a nested detail): numbers and error-code shaped strings are kept.
  if (typeof value === 'number') return false;
  return !(typeof value === 'string' && ERROR_CODE_SHAPE.test(value));
}

function redactUrl(value: string): string {
  const q = value.indexOf('?');
  if (q < 0) return value;
  const params = new URLSearchParams(value.slice(q + 1));
  let changed = false;
  for (const name of SECRET_QUERY_PARAMS) {
    if (params.has(name)) {
      params.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? `${value.slice(0, q)}?${params.toString()}` : value;
}

function redactField(key: string, value: unknown, parent: string | null, depth: number): unknown {
  if (key.toLowerCase() === 'code') return isSecretCode(parent, value) ? REDACTED : value;
  if (ALWAYS_SECRET.test(key)) return REDACTED;
  if (typeof value === 'string' && URL_FIELD.test(key)) return redactUrl(value);
  return redactValue(value, key, depth + 1);
}

function redactValue(value: unknown, parent: string | null, depth: number): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  const source: Fields =
    value instanceof Error
      ? { name: value.name, message: value.message, ...(value as unknown as Fields) }
      : (value as Fields);
  if (Array.isArray(source)) return source.map((v) => redactValue(v, parent, depth + 1));
  const out: Fields = {};
  for (const [k, v] of Object.entries(source)) out[k] = redactField(k, v, parent, depth);
  return out;
}

/** A copy of a log line's fields (or audit details) with credentials replaced by `[redacted]`. */
export function redact(value: unknown): unknown {
  return redactValue(value, null, 0);
}
