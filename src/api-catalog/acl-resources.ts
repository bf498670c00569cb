// Magento ACL resource titles and tree (data file beside this module), for validation and for
// consent wording. Titles are Magento's own and often vague: describe scopes in the scope catalog.
import { readFileSync } from 'node:fs';
import { CORE_ACL_FILE } from './route-table.js';
import { dataFileError } from '../errors/app-error.js';

export interface AclResource {
  id: string;
  title: string;
  parent: string | null;
}

export type AclResources = ReadonlyMap<string, AclResource>;

export function loadAclResources(options: { file?: string } = {}): AclResources {
  const file = options.file ?? CORE_ACL_FILE;
  const data = JSON.parse(readFileSync(file, 'utf8')) as { resources?: unknown };
  if (!Array.isArray(data.resources)) throw dataFileError(`ACL file ${file} must have a "resources" array`);
  const map = new Map<string, AclResource>();
  data.resources.forEach((entry: unknown, i) => {
    const e = entry as Partial<AclResource>;
    if (typeof e?.id !== 'string' || typeof e.title !== 'string') {
      throw dataFileError(`Invalid ACL resource in ${file}: resources[${i}] needs string id and title`);
    }
    map.set(e.id, { id: e.id, title: e.title, parent: typeof e.parent === 'string' ? e.parent : null });
  });
  return map;
}

/** Titles from the top of the tree down, without the `Magento Admin` root: ["Stores", "Inventory", "Sources"]. */
export function aclTitlePath(id: string, acl: AclResources): string[] {
  const titles: string[] = [];
  const seen = new Set<string>();
  for (let cur = acl.get(id); cur && !seen.has(cur.id); cur = cur.parent ? acl.get(cur.parent) : undefined) {
    seen.add(cur.id);
    if (cur.parent !== null) titles.unshift(cur.title);
  }
  return titles;
}
