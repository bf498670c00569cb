// The gateway's scope check: may a token holding these scopes call this route with this method?
import type { ScopeCatalog, ScopeDefinition } from './scope-catalog.js';

export type DecisionReason = 'anonymous' | 'covered' | 'self_denied' | 'missing_scope' | 'not_in_catalog';

export interface ScopeDecision {
  allowed: boolean;
  /**
   * When refused: catalog scopes that together cover the route (what to ask for); empty when none can, or when allowed.
   */
  neededScopes: string[];
  /** Route resources the token's scopes do not cover with this method. */
  missingResources: string[];
  reason: DecisionReason;
}

const grants = (scope: ScopeDefinition, method: string, resource: string) =>
  scope.methods.includes(method as ScopeDefinition['methods'][number]) && scope.resources.includes(resource);

/**
 * A small set of catalog scopes covering every resource with the method, narrowest first
 * (a `:read` scope before a `:write` one), reusing a scope already picked. Null when some
 * resource is in no scope: the route is then unreachable through the bridge.
 */
const rankedByCatalog = new WeakMap<ScopeCatalog, ScopeDefinition[]>();

/** Narrowest first; sorted once per catalog (the catalog never changes after start). */
function ranked(catalog: ScopeCatalog): ScopeDefinition[] {
  let list = rankedByCatalog.get(catalog);
  if (!list) {
    list = [...catalog.scopes.values()].sort(
      (a, b) => a.methods.length - b.methods.length || a.resources.length - b.resources.length,
    );
    rankedByCatalog.set(catalog, list);
  }
  return list;
}

export function scopesCovering(method: string, resources: readonly string[], catalog: ScopeCatalog): string[] | null {
  const verb = method.toUpperCase();
  const picked: ScopeDefinition[] = [];
  for (const resource of resources) {
    if (picked.some((s) => grants(s, verb, resource))) continue;
    const scope = ranked(catalog).find((s) => grants(s, verb, resource));
    if (!scope) return null;
    picked.push(scope);
  }
  return picked.map((s) => s.name);
}

/**
 * Fail closed: `self` routes (a customer's own data) are never reachable with an integration
 * token; `anonymous` routes pass; otherwise every resource must be granted, with this method,
 * by at least one of the token's scopes.
 */
export function decide(
  tokenScopes: Iterable<string>,
  method: string,
  route: { resources: readonly string[] },
  catalog: ScopeCatalog,
): ScopeDecision {
  const verb = method.toUpperCase();
  if (route.resources.includes('self')) {
    return { allowed: false, neededScopes: [], missingResources: ['self'], reason: 'self_denied' };
  }
  const resources = route.resources.filter((r) => r !== 'anonymous');
  if (resources.length === 0) return { allowed: true, neededScopes: [], missingResources: [], reason: 'anonymous' };

  const held = [...new Set(tokenScopes)].map((n) => catalog.scopes.get(n)).filter((s): s is ScopeDefinition => !!s);
  const missingResources = resources.filter((r) => !held.some((s) => grants(s, verb, r)));
  // The gateway's hot path: what to ask for is only worked out for a refusal.
  if (missingResources.length === 0) return { allowed: true, neededScopes: [], missingResources, reason: 'covered' };
  const needed = scopesCovering(verb, resources, catalog);
  return {
    allowed: false,
    neededScopes: needed ?? [],
    missingResources,
    reason: needed ? 'missing_scope' : 'not_in_catalog',
  };
}
