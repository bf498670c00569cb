import type { ScopeCatalog } from '../scopes/scope-catalog.js';
import { operationType, type GraphqlOperationType } from './graphql-operation.js';

export type GraphqlCheck =
  | { ok: true; operation: GraphqlOperationType }
  | { ok: false; reason: 'invalid_request'; message: string }
  | { ok: false; reason: 'missing_scope'; neededScopes: string[]; message: string };

/**
 * Which GraphQL operations the token may run: scopes marked `graphql: query` allow queries,
 * `graphql: mutation` allow mutations (and queries). Batched requests need every operation
 * allowed. Subscriptions are not forwarded (Magento has none over HTTP).
 */
export function graphqlScopeCheck(body: Buffer, contentType: string, tokenScopes: string[], catalog: ScopeCatalog): GraphqlCheck {
  let requests: { query?: unknown; operationName?: unknown }[];
  if (/^application\/graphql\b/i.test(contentType)) {
    requests = [{ query: body.toString('utf8') }];
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid_request', message: 'GraphQL request body must be JSON ({"query": …})' };
    }
    requests = (Array.isArray(parsed) ? parsed : [parsed]) as typeof requests;
    if (!requests.length || requests.some((r) => !r || typeof r !== 'object')) {
      return { ok: false, reason: 'invalid_request', message: 'GraphQL request body must be an object or a batch of objects' };
    }
  }
  const held = tokenScopes.map((s) => catalog.scopes.get(s)?.graphql).filter(Boolean);
  const scopesFor = (level: 'query' | 'mutation') =>
    [...catalog.scopes.values()].filter((s) => s.graphql === 'mutation' || (level === 'query' && s.graphql === 'query')).map((s) => s.name);
  let strongest: GraphqlOperationType = 'query';
  for (const r of requests) {
    const op = operationType(r.query, r.operationName);
    if (!op.ok) return { ok: false, reason: 'invalid_request', message: op.message };
    if (op.type === 'subscription') return { ok: false, reason: 'invalid_request', message: 'GraphQL subscriptions are not supported' };
    if (op.type === 'mutation') strongest = 'mutation';
  }
  const allowed = strongest === 'mutation' ? held.includes('mutation') : held.length > 0;
  if (!allowed) {
    const needed = scopesFor(strongest);
    const narrowest = needed.filter((n) => catalog.scopes.get(n)?.graphql === strongest);
    return { ok: false, reason: 'missing_scope', neededScopes: narrowest.length ? narrowest : needed, message: `GraphQL ${strongest} needs scope ${(narrowest.length ? narrowest : needed).join(' ')}` };
  }
  return { ok: true, operation: strongest };
}
