import { testTmpDir } from '../support/test-env.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAclResources } from '../../src/api-catalog/acl-resources.js';
import { createRouteMatcher } from '../../src/api-catalog/route-matcher.js';
import { loadRoutes } from '../../src/api-catalog/route-table.js';
import { decide, scopesCovering } from '../../src/api-catalog/decide.js';
import { describeScope } from '../../src/api-catalog/describe-scope.js';
import { formatScopeList, routesReachedBy } from '../../src/api-catalog/format-scope-list.js';
import { loadScopeCatalog } from '../../src/api-catalog/scope-catalog.js';

const routeTable = loadRoutes();
const aclResources = loadAclResources();
const catalog = loadScopeCatalog({ routeTable, aclResources });
const matcher = createRouteMatcher(routeTable);
const route = (method: string, path: string) => matcher.match(method, path)!.route;

function scopesFile(scopes: unknown): string {
  const file = join(testTmpDir('scopes-'), 'my-scopes.json');
  writeFileSync(file, JSON.stringify({ scopes }));
  return file;
}

describe('default catalog', () => {
  it('has the expected scopes, read ones GET-only', () => {
    for (const name of [
      'catalog:read',
      'catalog:write',
      'inventory:read',
      'inventory:write',
      'orders:read',
      'orders:write',
      'customers:read',
      'customers:write',
      'cms:read',
      'cms:write',
      'stores:read',
      'graphql:read',
      'graphql:write',
    ]) {
      expect(catalog.scopes.has(name), name).toBe(true);
    }
    for (const s of catalog.scopes.values())
      if (s.name.endsWith(':read') && !s.graphql) expect(s.methods).toEqual(['GET']);
  });

  it('loads an extra routes file whose resources are unknown to the ACL data', () => {
    const extra = [
      ...routeTable,
      { method: 'GET' as const, url: '/V1/acme', service: 'x', resources: ['Acme::read'], source: {} },
    ];
    const file = scopesFile({
      'acme:read': { title: 'A', description: 'A things', methods: ['GET'], resources: ['Acme::read'] },
    });
    expect(
      loadScopeCatalog({ scopesFile: file, routeTable: extra, aclResources }).scopes.get('acme:read')?.resources,
    ).toEqual(['Acme::read']);
  });
});

describe('validation', () => {
  it('names the scope and the unknown resource', () => {
    const file = scopesFile({
      'catalog:read': { title: 'T', description: 'D', methods: ['GET'], resources: ['Magento_Catalog::nope'] },
    });
    expect(() => loadScopeCatalog({ scopesFile: file, routeTable, aclResources })).toThrow(
      /scope "catalog:read" lists unknown ACL resource "Magento_Catalog::nope"/,
    );
  });

  it('refuses non-GET read scopes, bad methods, missing wording, anonymous/self', () => {
    const base = { title: 'T', description: 'D', methods: ['GET'], resources: ['Magento_Catalog::products'] };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ 'x:read': { ...base, methods: ['GET', 'POST'] } }, /"x:read" is a :read scope/],
      [{ 'x:write': { ...base, methods: ['PATCH'] } }, /"x:write" needs methods/],
      [{ 'x:write': { ...base, description: '' } }, /"x:write" needs a plain-words description/],
      [{ 'x:write': { ...base, resources: ['self'] } }, /"x:write" lists "self"/],
      [{ 'Bad Name': base }, /"Bad Name" has an invalid name/],
    ];
    for (const [scopes, error] of cases) {
      expect(() => loadScopeCatalog({ scopesFile: scopesFile(scopes), routeTable, aclResources })).toThrow(error);
    }
  });
});

describe('decide', () => {
  it('allows GET with a read scope, refuses writes', () => {
    expect(decide(['catalog:read'], 'GET', route('GET', '/rest/V1/products/ABC'), catalog)).toMatchObject({
      allowed: true,
      reason: 'covered',
    });
    expect(decide(['catalog:read'], 'PUT', route('PUT', '/rest/V1/products/ABC'), catalog)).toMatchObject({
      allowed: false,
      reason: 'missing_scope',
      neededScopes: ['catalog:write'],
      missingResources: ['Magento_Catalog::products'],
    });
    expect(decide(['catalog:write'], 'PUT', route('PUT', '/rest/V1/products/ABC'), catalog).allowed).toBe(true);
  });

  it('needs every resource of the route, possibly from several scopes together', () => {
    const bulk = route('POST', '/rest/V1/inventory/bulk-product-source-assign');
    expect(bulk.resources).toEqual(['Magento_Catalog::products']);
    const twoResources = { resources: ['Magento_Catalog::products', 'Magento_Sales::actions_view'] };
    expect(decide(['catalog:read'], 'GET', twoResources, catalog)).toMatchObject({
      allowed: false,
      missingResources: ['Magento_Sales::actions_view'],
      neededScopes: ['catalog:read', 'orders:read'],
    });
    expect(decide(['catalog:read', 'orders:read'], 'GET', twoResources, catalog).allowed).toBe(true);
  });

  it('passes anonymous routes, denies self routes and resources in no scope', () => {
    expect(decide([], 'GET', route('GET', '/rest/V1/directory/countries'), catalog)).toMatchObject({
      allowed: true,
      reason: 'anonymous',
    });
    expect(decide(['customers:write'], 'GET', route('GET', '/rest/V1/customers/me'), catalog)).toMatchObject({
      allowed: false,
      reason: 'self_denied',
    });
    expect(decide(['catalog:write'], 'GET', route('GET', '/rest/V1/taxRates/1'), catalog)).toMatchObject({
      allowed: false,
      reason: 'not_in_catalog',
      neededScopes: [],
    });
    expect(decide(['unknown:scope'], 'GET', route('GET', '/rest/V1/orders/1'), catalog).allowed).toBe(false);
  });

  it('orders, inventory (CatalogInventory + MSI), cms and stores scopes reach their routes', () => {
    expect(decide(['orders:write'], 'POST', route('POST', '/rest/V1/orders/1/comments'), catalog).allowed).toBe(true);
    expect(decide(['orders:read'], 'POST', route('POST', '/rest/V1/orders/1/comments'), catalog).allowed).toBe(false);
    expect(decide(['inventory:read'], 'GET', route('GET', '/rest/V1/stockItems/ABC'), catalog).allowed).toBe(true);
    expect(decide(['inventory:read'], 'GET', route('GET', '/rest/V1/inventory/sources'), catalog).allowed).toBe(true);
    expect(decide(['inventory:write'], 'POST', route('POST', '/rest/V1/inventory/source-items'), catalog).allowed).toBe(
      true,
    );
    expect(decide(['stores:read'], 'GET', route('GET', '/rest/V1/store/storeConfigs'), catalog).allowed).toBe(true);
    expect(decide(['cms:write'], 'DELETE', route('DELETE', '/rest/V1/cmsPage/3'), catalog).allowed).toBe(true);
    expect(scopesCovering('GET', ['Magento_Cms::page'], catalog)).toEqual(['cms:read']);
    expect(scopesCovering('GET', ['Magento_Tax::manage_tax'], catalog)).toBeNull();
  });
});

describe('describeScope and formatScopeList', () => {
  it('describes a scope for consent', () => {
    const d = describeScope('inventory:read', catalog)!;
    expect(d).toMatchObject({ title: 'Read stock levels', access: 'read-only' });
    expect(d.resources).toContainEqual({
      id: 'Magento_InventoryApi::source',
      title: 'Sources',
      path: 'Stores › Inventory › Sources',
    });
    expect(describeScope('orders:write', catalog)!.access).toBe('read-write');
    expect(describeScope('graphql:read', catalog)!.access).toBe('read-only');
    expect(describeScope('graphql:write', catalog)!.access).toBe('read-write');
    expect(describeScope('nope', catalog)).toBeNull();
  });

  it('lists scopes with the routes they reach, as text or JSON', () => {
    const reached = routesReachedBy('catalog:read', catalog, routeTable).map((r) => `${r.method} ${r.url}`);
    expect(reached).toContain('GET /V1/products/:sku');
    expect(reached).not.toContain('PUT /V1/products/:sku');
    const json = JSON.parse(formatScopeList(catalog, routeTable, { json: true })) as Array<{
      name: string;
      routes: string[];
    }>;
    expect(json.find((s) => s.name === 'orders:read')?.routes).toContain('GET /V1/orders/:id');
    expect(json.find((s) => s.name === 'graphql:read')?.routes).toEqual([]);
    const text = formatScopeList(catalog, routeTable);
    expect(text).toMatch(/^catalog:read — Read the catalog\n/);
    expect(text).toContain('    GET /V1/inventory/sources');
  });
});
