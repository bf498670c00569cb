// The REST route table: Magento's webapi.xml routes (data file beside this module), optionally
// extended by a deployment's own routes file of the same shape. Validated once at start.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dataFileError } from '../errors/app-error.js';

export interface RouteSource {
  repo?: string;
  commit?: string;
  module?: string;
}

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Magento form: `/V1/products/:sku`. */
  url: string;
  service: string;
  /** Every listed resource is required; `anonymous` and `self` are special values. */
  resources: string[];
  forcedParameters?: Array<{ name: string; value: string }>;
  source: RouteSource;
}

export const CORE_ROUTES_FILE = fileURLToPath(new URL('./webapi-data/webapi-routes.json', import.meta.url));
export const CORE_ACL_FILE = fileURLToPath(new URL('./webapi-data/acl-resources.json', import.meta.url));

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);
const SEGMENT = /^(:[A-Za-z_][A-Za-z0-9_]*|[^\s:/?#]+)$/;

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw dataFileError(`Cannot read routes file ${file}: ${(err as Error).message}`, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw dataFileError(`Routes file ${file} is not valid JSON: ${(err as Error).message}`, err);
  }
}

/** Checks one entry and returns it in the shape the matcher uses; errors name file and entry. */
function toRoute(entry: unknown, index: number, file: string): RouteDefinition {
  const e = (entry ?? {}) as Record<string, unknown>;
  const named = typeof e.method === 'string' && typeof e.url === 'string';
  const label = `${file}: routes[${index}]${named ? ` (${e.method} ${e.url})` : ''}`;
  const fail = (problem: string): never => {
    throw dataFileError(`Invalid route in ${label}: ${problem}`);
  };
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('must be an object');
  const method = typeof e.method === 'string' ? e.method.toUpperCase() : '';
  if (!METHODS.has(method)) fail('method must be one of GET, POST, PUT, DELETE');
  if (typeof e.url !== 'string' || !e.url.replace(/^\/+/, '').startsWith('V')) fail('url must look like /V1/...');
  const url = '/' + (e.url as string).replace(/^\/+|\/+$/g, '');
  if (
    !url
      .split('/')
      .slice(1)
      .every((s) => SEGMENT.test(s))
  )
    fail('url has an empty or malformed segment');
  if (typeof e.service !== 'string' || !e.service) fail('service must be a non-empty string');
  const resources = e.resources;
  if (!Array.isArray(resources) || resources.length === 0 || !resources.every((r) => typeof r === 'string' && r)) {
    fail('resources must be a non-empty array of ACL resource ids');
  }
  const route: RouteDefinition = {
    method: method as RouteDefinition['method'],
    url,
    service: e.service as string,
    resources: [...(resources as string[])],
    source: {
      repo: typeof e.sourceRepo === 'string' ? e.sourceRepo : undefined,
      commit: typeof e.sourceCommit === 'string' ? e.sourceCommit : undefined,
      module: typeof e.module === 'string' ? e.module : undefined,
    },
  };
  if (Array.isArray(e.forcedParameters))
    route.forcedParameters = e.forcedParameters as RouteDefinition['forcedParameters'];
  return route;
}

export function readRoutesFile(file: string): RouteDefinition[] {
  const data = readJson(file) as { routes?: unknown };
  if (!data || typeof data !== 'object' || !Array.isArray(data.routes)) {
    throw dataFileError(`Routes file ${file} must be an object with a "routes" array`);
  }
  return data.routes.map((entry, i) => toRoute(entry, i, file));
}

/**
 * Core routes plus the optional extra file. A later entry with the same method and url replaces
 * the earlier one, as a later module's webapi.xml does in Magento (the 2FA admin token route
 * overrides Magento_Integration's this way).
 */
export function loadRoutes(options: { routesFile?: string; coreFile?: string } = {}): RouteDefinition[] {
  const all = readRoutesFile(options.coreFile ?? CORE_ROUTES_FILE);
  if (options.routesFile) all.push(...readRoutesFile(options.routesFile));
  const byKey = new Map<string, RouteDefinition>();
  for (const route of all) {
    const key = `${route.method} ${route.url}`;
    byKey.delete(key);
    byKey.set(key, route);
  }
  return [...byKey.values()];
}
