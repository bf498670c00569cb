import { testTmpDir } from '../support/test-env.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRouteMatcher } from '../../src/api-catalog/route-matcher.js';
import { loadRoutes } from '../../src/api-catalog/route-table.js';

const routes = loadRoutes();
const matcher = createRouteMatcher(routes);

function writeTemp(content: unknown): string {
  const file = join(testTmpDir('routes-'), 'extra-routes.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('core route data', () => {
  it('holds core, 2.4 Catalog and Multi-Source Inventory routes with their source', () => {
    expect(routes.length).toBeGreaterThan(400);
    const put = routes.find(
      (r) => r.method === 'PUT' && r.url === '/V1/products/attributes/:attributeCode/options/:optionId',
    );
    expect(put?.resources).toEqual(['Magento_Catalog::attributes_attributes']);
    const sources = routes.find((r) => r.method === 'GET' && r.url === '/V1/inventory/sources');
    expect(sources?.source).toMatchObject({ repo: 'magento/inventory', module: 'Magento_InventoryApi' });
    expect(sources?.source.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('lets the 2FA admin token route override Magento_Integration', () => {
    const token = routes.filter((r) => r.url === '/V1/integration/admin/token' && r.method === 'POST');
    expect(token).toHaveLength(1);
    expect(token[0]!.source.module).toBe('Magento_TwoFactorAuth');
  });
});

describe('createRouteMatcher', () => {
  it('resolves /rest/V1, /rest/<store>/V1, /rest/all/V1 and /index.php/rest', () => {
    expect(matcher.match('GET', '/rest/V1/products/ABC')).toMatchObject({ storeCode: null, params: { sku: 'ABC' } });
    expect(matcher.match('GET', '/rest/default/V1/products/ABC')?.storeCode).toBe('default');
    expect(matcher.match('GET', '/rest/all/V1/products/ABC')?.storeCode).toBe('all');
    expect(matcher.match('get', '/index.php/rest/fr_store/V1/products/ABC?x=1')?.storeCode).toBe('fr_store');
    expect(matcher.match('GET', '/V1/products/ABC')).toBeNull();
    expect(matcher.match('GET', '/rest/bad-code/V1/products/ABC')).toBeNull();
  });

  it('keeps %2F inside one segment and decodes it only in params', () => {
    const m = matcher.match('PUT', '/rest/default/V1/products/ABC%2F10');
    expect(m?.route.url).toBe('/V1/products/:sku');
    expect(m?.params).toEqual({ sku: 'ABC/10' });
    expect(m?.rawParams).toEqual({ sku: 'ABC%2F10' });
    expect(matcher.match('GET', '/rest/V1/products/ABC/10/extra/segments')).toBeNull();
  });

  it('prefers literal segments over params', () => {
    expect(matcher.match('GET', '/rest/V1/products/attributes')?.route.service).toContain(
      'ProductAttributeRepositoryInterface::getList',
    );
    expect(matcher.match('GET', '/rest/V1/products/types')?.route.url).toBe('/V1/products/types');
    expect(matcher.match('GET', '/rest/V1/customers/search')?.route.url).toBe('/V1/customers/search');
    expect(matcher.match('GET', '/rest/V1/customers/42')?.route.url).toBe('/V1/customers/:customerId');
    // Backtracks into the param branch when the literal branch dead-ends.
    expect(matcher.match('GET', '/rest/V1/products/types/media')?.route.url).toBe('/V1/products/:sku/media');
  });

  it('ignores trailing slashes, honours the method, returns null for unknown routes', () => {
    expect(matcher.match('GET', '/rest/V1/invoices')?.route.url).toBe('/V1/invoices');
    expect(matcher.match('GET', '/rest/V1/orders/5/')?.route.url).toBe('/V1/orders/:id');
    expect(matcher.match('PATCH', '/rest/V1/orders/5')).toBeNull();
    expect(matcher.match('GET', '/rest/V1/nope')).toBeNull();
    expect(matcher.match('GET', '/rest/V1/orders//')).toMatchObject({ route: { url: '/V1/orders' } });
  });

  it('matches inventory routes with several params', () => {
    const m = matcher.match('GET', '/rest/V1/inventory/get-product-salable-quantity/SKU%2F1/2');
    expect(m?.params).toEqual({ sku: 'SKU/1', stockId: '2' });
    expect(m?.route.resources).toEqual(['Magento_InventorySalesApi::stock']);
  });
});

describe('loadRoutes with an extra routes file', () => {
  it('merges extra routes and lets them override core ones', () => {
    const file = writeTemp({
      routes: [
        {
          method: 'GET',
          url: '/V1/acme/widgets/:id',
          service: 'Acme\\Widgets::get',
          resources: ['Acme_Widgets::read'],
        },
        {
          method: 'GET',
          url: '/V1/products/:sku',
          service: 'Acme\\Override::get',
          resources: ['Magento_Catalog::products'],
        },
      ],
    });
    const m = createRouteMatcher(loadRoutes({ routesFile: file }));
    expect(m.match('GET', '/rest/V1/acme/widgets/7')).toMatchObject({
      params: { id: '7' },
      route: { service: 'Acme\\Widgets::get' },
    });
    expect(m.match('GET', '/rest/V1/products/X')?.route.service).toBe('Acme\\Override::get');
  });

  it('names the file and the entry when the shape is wrong', () => {
    const bad = writeTemp({
      routes: [
        { method: 'GET', url: '/V1/ok', service: 'S', resources: ['A::b'] },
        { method: 'FETCH', url: '/V1/x', service: 's', resources: ['a'] },
      ],
    });
    expect(() => loadRoutes({ routesFile: bad })).toThrow(/extra-routes\.json: routes\[1\] \(FETCH \/V1\/x\).*method/);
    const noResources = writeTemp({ routes: [{ method: 'GET', url: '/V1/x', service: 's', resources: [] }] });
    expect(() => loadRoutes({ routesFile: noResources })).toThrow(/routes\[0\].*resources/);
    expect(() => loadRoutes({ routesFile: writeTemp('{nope') })).toThrow(/extra-routes\.json is not valid JSON/);
    expect(() => loadRoutes({ routesFile: writeTemp({ items: [] }) })).toThrow(/"routes" array/);
    expect(() => loadRoutes({ routesFile: '/nonexistent/routes.json' })).toThrow(
      /Cannot read routes file \/nonexistent\/routes.json/,
    );
  });
});

describe('paths a proxy could normalise into another route', () => {
  const matcher = createRouteMatcher(loadRoutes());
  it.each([
    '/rest/V1/products/1/stockItems/..',
    '/rest/V1/products/%2e%2e/stockItems/1',
    '/rest/V1/products/%2E/stockItems/1',
    '/rest/V1/products/./x',
    '/rest/V1//products',
    '/rest/default/V1/orders/../customers/1',
  ])('%s matches nothing', (path) => {
    expect(matcher.match('GET', path)).toBeNull();
    expect(matcher.match('PUT', path)).toBeNull();
  });

  it('dots inside a segment are fine (SKUs may contain them)', () => {
    expect(matcher.match('GET', '/rest/V1/products/A.B..C')).not.toBeNull();
  });
});
