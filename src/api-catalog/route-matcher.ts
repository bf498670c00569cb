// Resolves a REST request path to its Magento route. Precompiled into a trie (method → segment)
// so a lookup costs one walk of the path, not a scan of 400 patterns.
import type { RouteDefinition } from './route-table.js';

export interface RouteMatch {
  route: RouteDefinition;
  /** Path parameters, percent-decoded (`ABC%2F10` → `ABC/10`). */
  params: Record<string, string>;
  /** Path parameters exactly as they arrived. */
  rawParams: Record<string, string>;
  /** `default`, `all`, a store code, or null when the path carries none. */
  storeCode: string | null;
}

export interface RouteMatcher {
  match(method: string, path: string): RouteMatch | null;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  param?: { name: string; node: TrieNode };
  route?: RouteDefinition;
}

const newNode = (): TrieNode => ({ literal: new Map() });
const STORE_CODE = /^[A-Za-z][A-Za-z0-9_]*$/;
const VERSION = /^V\d+$/;

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Splits `/rest/<store>/V1/...` (optionally behind `/index.php`) into the store code and the
 * route segments. The path is not decoded: `%2F` stays inside its segment, as in Magento.
 */
export function splitRestPath(path: string): { storeCode: string | null; segments: string[] } | null {
  const bare = path.split(/[?#]/, 1)[0]!;
  const parts = bare.replace(/^\/+|\/+$/g, '').split('/');
  // Dot segments and empty segments could be normalised by any hop between us and Magento into
  // another route than the one whose scopes we checked: such paths match nothing (fail closed).
  if (parts.some((p) => p === '' || /^(\.|%2e){1,2}$/i.test(p))) return null;
  let i = 0;
  if (parts[i] === 'index.php') i++;
  if (parts[i] !== 'rest') return null;
  i++;
  let storeCode: string | null = null;
  const first = parts[i];
  if (first === undefined) return null;
  if (!VERSION.test(first)) {
    if (!STORE_CODE.test(first)) return null;
    storeCode = first;
    i++;
  }
  const segments = parts.slice(i);
  if (segments.length === 0 || !VERSION.test(segments[0]!)) return null;
  return { storeCode, segments };
}

export function createRouteMatcher(routes: readonly RouteDefinition[]): RouteMatcher {
  const roots = new Map<string, TrieNode>();
  for (const route of routes) {
    let node = roots.get(route.method) ?? newNode();
    roots.set(route.method, node);
    for (const segment of route.url.split('/').slice(1)) {
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        // Two routes naming the same position differently share the node; each keeps its name.
        node.param ??= { name, node: newNode() };
        node = node.param.node;
      } else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.route = route;
  }

  // Literal children first, then the parameter: `/V1/products/attributes` beats `/V1/products/:sku`.
  function walk(node: TrieNode, segments: string[], at: number, values: string[]): RouteDefinition | null {
    if (at === segments.length) return node.route ?? null;
    const segment = segments[at]!;
    const literal = node.literal.get(segment);
    if (literal) {
      const found = walk(literal, segments, at + 1, values);
      if (found) return found;
    }
    if (node.param && segment !== '') {
      values.push(segment);
      const found = walk(node.param.node, segments, at + 1, values);
      if (found) return found;
      values.pop();
    }
    return null;
  }

  return {
    match(method, path) {
      const root = roots.get(method.toUpperCase());
      const split = splitRestPath(path);
      if (!root || !split) return null;
      const values: string[] = [];
      const route = walk(root, split.segments, 0, values);
      if (!route) return null;
      const names = route.url
        .split('/')
        .filter((s) => s.startsWith(':'))
        .map((s) => s.slice(1));
      const params: Record<string, string> = {};
      const rawParams: Record<string, string> = {};
      names.forEach((name, i) => {
        rawParams[name] = values[i]!;
        params[name] = safeDecode(values[i]!);
      });
      return { route, params, rawParams, storeCode: split.storeCode };
    },
  };
}
