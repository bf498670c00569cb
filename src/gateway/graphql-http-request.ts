import contentType from 'content-type';

/** What the request asks Magento to run, read exactly as Magento's GraphQl controller reads it. */
export interface GraphqlHttpRequest {
  query: string;
  operationName: string | null;
}

export type GraphqlHttpRead =
  | { ok: true; request: GraphqlHttpRequest }
  | { ok: false; status: 400 | 415; error: 'invalid_request' | 'unsupported_media_type'; message: string };

const invalid = (message: string): GraphqlHttpRead => ({ ok: false, status: 400, error: 'invalid_request', message });
const FIELDS = ['query', 'operationName', 'variables'] as const;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * POST: `Content-Type: application/json` (optionally `; charset=utf-8`, any case) and a UTF-8
 * JSON object `{"query", "operationName"?, "variables"?}`. Magento's check is a substring match on
 * the header and it decodes the body as JSON whatever else the header says, so anything but the
 * plain JSON type is refused here rather than read one way by us and another by the store.
 * Batches (JSON arrays) are refused: Magento reads `query` from the top-level object only.
 */
export function readGraphqlPost(
  headers: { contentType?: string; contentEncoding?: string },
  body: Buffer,
): GraphqlHttpRead {
  // Checked bytes must be the bytes the store decodes: no compressed or otherwise encoded bodies.
  if (headers.contentEncoding && headers.contentEncoding.trim().toLowerCase() !== 'identity') {
    return {
      ok: false,
      status: 415,
      error: 'unsupported_media_type',
      message: 'GraphQL request bodies must not be content-encoded',
    };
  }
  if (!isPlainJson(headers.contentType)) {
    return {
      ok: false,
      status: 415,
      error: 'unsupported_media_type',
      message: 'GraphQL requests must be sent as Content-Type: application/json (charset utf-8)',
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return invalid('GraphQL request body is not valid UTF-8');
  }
  // PHP's json_decode refuses a byte-order mark; so does JSON.parse, but say it clearly.
  if (text.startsWith('\uFEFF')) return invalid('GraphQL request body must not start with a byte-order mark');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return invalid('GraphQL request body must be JSON ({"query": …})');
  }
  if (Array.isArray(parsed))
    return invalid(
      'Batched GraphQL requests (JSON arrays) are not supported by Magento: send one operation per request',
    );
  if (!parsed || typeof parsed !== 'object')
    return invalid('GraphQL request body must be a JSON object ({"query": …})');
  const fields = parsed as Record<string, unknown>;
  if (
    fields.variables !== undefined &&
    fields.variables !== null &&
    (typeof fields.variables !== 'object' || Array.isArray(fields.variables))
  ) {
    return invalid('variables must be a JSON object or null');
  }
  return fromFields(fields.query, fields.operationName);
}

/**
 * GET: `query`, `operationName`, `variables` (JSON text) from the query string, each at most once.
 * PHP keeps the last of repeated names, trims leading spaces and turns `query[]` into an array,
 * so any name PHP could read as one of the three, other than the exact name once, is refused.
 */
export function readGraphqlGet(rawQueryString: string): GraphqlHttpRead {
  const seen = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const phpName = name
      .replace(/^[\s\0]+/, '')
      .split('[')[0]!
      .replace(/[ .]/g, '_');
    const field = FIELDS.find((f) => f.toLowerCase() === phpName.toLowerCase());
    if (!field) continue;
    if (name !== field) return invalid(`query parameter "${name}" is ambiguous: use ${field}=… exactly`);
    if (seen.has(field)) return invalid(`query parameter "${field}" must appear once`);
    seen.set(field, value);
  }
  const variables = seen.get('variables');
  if (variables) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(variables);
    } catch {
      return invalid('variables must be JSON text');
    }
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
      return invalid('variables must be a JSON object or null');
  }
  return fromFields(seen.get('query'), seen.get('operationName') || null);
}

function fromFields(query: unknown, operationName: unknown): GraphqlHttpRead {
  if (query === undefined || query === null || query === '') return invalid('GraphQL request has no query');
  if (typeof query !== 'string') return invalid('query must be a string');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    return invalid('operationName must be a string or null');
  // A lone surrogate is valid in JS strings but not in PHP's JSON decoder: refuse, don't guess.
  if (LONE_SURROGATE.test(query) || (typeof operationName === 'string' && LONE_SURROGATE.test(operationName))) {
    return invalid('query and operationName must be valid Unicode');
  }
  return { ok: true, request: { query, operationName: operationName || null } };
}

function isPlainJson(header: string | undefined): boolean {
  if (!header) return false;
  let parsed: contentType.ParsedMediaType;
  try {
    parsed = contentType.parse(header);
  } catch {
    return false;
  }
  if (parsed.type !== 'application/json') return false;
  return Object.entries(parsed.parameters).every(
    ([name, value]) => name === 'charset' && value.toLowerCase() === 'utf-8',
  );
}
