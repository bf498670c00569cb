// The scope catalog: which Magento ACL resources and HTTP methods each OAuth scope grants.
// Data-driven (default-catalog.json or a deployment's file), validated once at start.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AclResources } from './acl-resources.js';
import type { RouteDefinition } from './route-table.js';
import { dataFileError } from '../errors/app-error.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ScopeDefinition {
  name: string;
  title: string;
  description: string;
  methods: HttpMethod[];
  resources: string[];
  /** Set for scopes that only gate /graphql: `query` or `mutation` (mutation implies query). */
  graphql?: 'query' | 'mutation';
}

export interface ScopeCatalog {
  scopes: ReadonlyMap<string, ScopeDefinition>;
  aclResources: AclResources;
}

export const DEFAULT_SCOPES_FILE = fileURLToPath(new URL('./default-catalog.json', import.meta.url));

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'DELETE']);
const SCOPE_NAME = /^[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)?$/;

function parseScope(name: string, raw: unknown, known: ReadonlySet<string>, file: string): ScopeDefinition {
  const fail = (problem: string): never => {
    throw dataFileError(`Scope catalog ${file}: scope "${name}" ${problem}`);
  };
  if (!SCOPE_NAME.test(name)) fail('has an invalid name (use area:access, lowercase)');
  const e = (raw ?? {}) as Record<string, unknown>;
  if (typeof e.title !== 'string' || !e.title) fail('needs a title');
  if (typeof e.description !== 'string' || !e.description) fail('needs a plain-words description');
  const methods = e.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => METHODS.has(m))) {
    fail('needs methods, a non-empty list of GET, POST, PUT, DELETE');
  }
  const resources = e.resources;
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))
    fail('needs resources, a list of ACL resource ids');
  const graphql = e.graphql;
  if (graphql !== undefined && graphql !== 'query' && graphql !== 'mutation')
    fail('has graphql other than "query" or "mutation"');
  for (const resource of resources as string[]) {
    if (resource === 'anonymous' || resource === 'self') fail(`lists "${resource}", which is not an ACL resource`);
    if (!known.has(resource)) fail(`lists unknown ACL resource "${resource}"`);
  }
  if (!graphql && (resources as string[]).length === 0) fail('grants no ACL resources');
  if (!graphql && name.endsWith(':read') && (methods as string[]).some((m) => m !== 'GET'))
    fail('is a :read scope and may allow GET only');
  return {
    name,
    title: e.title as string,
    description: e.description as string,
    methods: [...new Set(methods as HttpMethod[])],
    resources: [...new Set(resources as string[])],
    ...(graphql ? { graphql: graphql as 'query' | 'mutation' } : {}),
  };
}

/**
 * Reads and validates a catalog. Known resources are the ACL data plus any resource used by a
 * loaded route (so an extra routes file can bring its own module's resources).
 */
export function loadScopeCatalog(options: {
  scopesFile?: string;
  routeTable: readonly RouteDefinition[];
  aclResources: AclResources;
}): ScopeCatalog {
  const file = options.scopesFile ?? DEFAULT_SCOPES_FILE;
  let data: { scopes?: unknown };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as { scopes?: unknown };
  } catch (err) {
    throw dataFileError(`Cannot load scope catalog ${file}: ${(err as Error).message}`, err);
  }
  if (!data.scopes || typeof data.scopes !== 'object' || Array.isArray(data.scopes)) {
    throw dataFileError(`Scope catalog ${file} must have a "scopes" object`);
  }
  const known = new Set<string>(options.aclResources.keys());
  for (const route of options.routeTable) for (const r of route.resources) known.add(r);
  known.delete('anonymous');
  known.delete('self');
  const scopes = new Map<string, ScopeDefinition>();
  for (const [name, raw] of Object.entries(data.scopes)) scopes.set(name, parseScope(name, raw, known, file));
  return { scopes, aclResources: options.aclResources };
}
