import type { ScopeCatalog } from '../api-catalog/scope-catalog.js';
import type { GraphqlHttpRequest } from './graphql-http-request.js';
import { operationType, type GraphqlDocumentLimits, type GraphqlOperationType } from './graphql-operation.js';

export type GraphqlCheck =
  | { ok: true; operation: GraphqlOperationType }
  | { ok: false; reason: 'invalid_request'; message: string }
  | { ok: false; reason: 'get_mutation'; message: string }
  | { ok: false; reason: 'missing_scope'; neededScopes: string[]; message: string };

/**
 * Which GraphQL operations the token may run: scopes marked `graphql: query` allow queries,
 * `graphql: mutation` allow mutations (and queries). Over GET only documents made of queries
 * pass (Magento runs mutations over POST only). Subscriptions are not forwarded (Magento has
 * none over HTTP).
 */
export function graphqlScopeCheck(
  request: GraphqlHttpRequest,
  method: 'GET' | 'POST',
  tokenScopes: string[],
  catalog: ScopeCatalog,
  limits: GraphqlDocumentLimits,
): GraphqlCheck {
  const op = operationType(request.query, request.operationName, limits);
  if (!op.ok) return { ok: false, reason: 'invalid_request', message: op.message };
  if (op.allTypes.includes('subscription'))
    return { ok: false, reason: 'invalid_request', message: 'GraphQL subscriptions are not supported' };
  if (method === 'GET' && op.allTypes.some((t) => t !== 'query')) {
    return { ok: false, reason: 'get_mutation', message: 'GraphQL mutations must be sent with POST' };
  }
  const strongest = op.type;
  const held = tokenScopes.map((s) => catalog.scopes.get(s)?.graphql).filter(Boolean);
  const allowed = strongest === 'mutation' ? held.includes('mutation') : held.length > 0;
  if (!allowed) {
    const needed = [...catalog.scopes.values()]
      .filter((s) => s.graphql === 'mutation' || (strongest === 'query' && s.graphql === 'query'))
      .map((s) => s.name);
    const narrowest = needed.filter((n) => catalog.scopes.get(n)?.graphql === strongest);
    const named = narrowest.length ? narrowest : needed;
    return {
      ok: false,
      reason: 'missing_scope',
      neededScopes: named,
      message: `GraphQL ${strongest} needs scope ${named.join(' ')}`,
    };
  }
  return { ok: true, operation: strongest };
}
