// What a consent page shows for one scope: our wording first, Magento's ACL titles as detail.
import { aclTitlePath } from './acl-resources.js';
import type { ScopeCatalog } from './scope-catalog.js';

export interface ScopeDescription {
  name: string;
  title: string;
  description: string;
  access: 'read-only' | 'read-write';
  methods: string[];
  /** Magento's ACL entries, with their title path (`Stores › Inventory › Sources`). */
  resources: Array<{ id: string; title: string; path: string }>;
}

export function describeScope(name: string, catalog: ScopeCatalog): ScopeDescription | null {
  const scope = catalog.scopes.get(name);
  if (!scope) return null;
  const readOnly = scope.graphql ? scope.graphql === 'query' : scope.methods.every((m) => m === 'GET');
  return {
    name: scope.name,
    title: scope.title,
    description: scope.description,
    access: readOnly ? 'read-only' : 'read-write',
    methods: [...scope.methods],
    resources: scope.resources.map((id) => {
      const path = aclTitlePath(id, catalog.aclResources);
      return { id, title: catalog.aclResources.get(id)?.title ?? id, path: path.length ? path.join(' › ') : id };
    }),
  };
}
