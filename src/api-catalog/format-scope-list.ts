// Output of the `scopes:list` CLI: each scope, what it grants and which REST routes it reaches.
import type { RouteDefinition } from './route-table.js';
import { decide } from './decide.js';
import type { ScopeCatalog } from './scope-catalog.js';

/** Routes a token holding only this scope may call (anonymous routes left out: anyone may). */
export function routesReachedBy(
  scopeName: string,
  catalog: ScopeCatalog,
  routes: readonly RouteDefinition[],
): RouteDefinition[] {
  return routes.filter((r) => !r.resources.includes('anonymous') && decide([scopeName], r.method, r, catalog).allowed);
}

export function formatScopeList(
  catalog: ScopeCatalog,
  routes: readonly RouteDefinition[],
  options: { json?: boolean } = {},
): string {
  const rows = [...catalog.scopes.values()].map((scope) => ({
    name: scope.name,
    title: scope.title,
    description: scope.description,
    methods: scope.methods,
    resources: scope.resources,
    ...(scope.graphql ? { graphql: scope.graphql } : {}),
    routes: routesReachedBy(scope.name, catalog, routes).map((r) => `${r.method} ${r.url}`),
  }));
  if (options.json) return JSON.stringify(rows, null, 2) + '\n';
  const lines: string[] = [];
  for (const row of rows) {
    lines.push(`${row.name} — ${row.title}`);
    lines.push(`  ${row.description}`);
    lines.push(`  methods: ${row.methods.join(', ')}`);
    if (row.graphql) lines.push(`  graphql: ${row.graphql}${row.graphql === 'mutation' ? ' (and query)' : ''}`);
    if (row.resources.length) lines.push(`  ACL: ${row.resources.join(', ')}`);
    lines.push(`  routes (${row.routes.length}):`);
    for (const r of row.routes) lines.push(`    ${r}`);
    lines.push('');
  }
  return lines.join('\n');
}
