// The handful of REST routes the emulator serves, with the ACL resources Magento's webapi.xml
// gives them (plus /V1/test/* helpers for gateway tests, listed in test-routes.json).
import type { ServerResponse } from 'node:http';
import type { SampleData } from './sample-data.js';
import { applySearchCriteria, MAX_PAGE_SIZE, parseSearchCriteria } from './search-criteria.js';

export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, string>;
  body: string;
  contentType: string;
  storeCode: string | null;
  data: SampleData;
  /** Request headers as received (the /V1/test/headers helper echoes them). */
  headers?: Record<string, string | string[] | undefined>;
}

export type RouteResult = { status: number; json: unknown } | { stream: (res: ServerResponse) => Promise<void> };

interface EmulatedRoute {
  method: string;
  url: string;
  resources: string[];
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

const ok = (json: unknown): RouteResult => ({ status: 200, json });
const notFound = (message: string, parameters?: Record<string, unknown>): RouteResult => ({
  status: 404,
  json: parameters ? { message, parameters } : { message },
});
const NO_PRODUCT = "The product that was requested doesn't exist. Verify the product and try again.";
const NO_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again.";

function list<T extends object>(items: T[], query: Record<string, string>): RouteResult {
  const criteria = parseSearchCriteria(query);
  if (criteria.pageSize !== null && criteria.pageSize > MAX_PAGE_SIZE) {
    return {
      status: 400,
      json: { message: 'Maximum SearchCriteria pageSize is %max', parameters: { max: MAX_PAGE_SIZE } },
    };
  }
  return ok(applySearchCriteria(items, criteria));
}

function parseJson(body: string): Record<string, unknown> {
  try {
    return (JSON.parse(body || '{}') as Record<string, unknown>) ?? {};
  } catch {
    return {};
  }
}

const P = ['Magento_Catalog::products'];

export const EMULATED_ROUTES: EmulatedRoute[] = [
  { method: 'GET', url: '/V1/products', resources: P, handle: (c) => list(c.data.products, c.query) },
  {
    method: 'GET',
    url: '/V1/products/:sku',
    resources: P,
    handle: (c) => {
      const p = c.data.products.find((x) => x.sku === c.params.sku);
      if (!p) return notFound(NO_PRODUCT);
      const localized = c.storeCode ? c.data.names[c.storeCode]?.[p.sku] : undefined;
      return ok(localized ? { ...p, name: localized } : p);
    },
  },
  {
    method: 'PUT',
    url: '/V1/products/:sku',
    resources: P,
    handle: (c) => {
      const p = c.data.products.find((x) => x.sku === c.params.sku);
      if (!p) return notFound(NO_PRODUCT);
      const changes = (parseJson(c.body).product ?? {}) as Record<string, unknown>;
      for (const key of ['name', 'price', 'status', 'visibility'] as const) {
        if (key in changes) (p as Record<string, unknown>)[key] = changes[key];
      }
      return ok(p);
    },
  },
  {
    method: 'GET',
    url: '/V1/orders',
    resources: ['Magento_Sales::actions_view'],
    handle: (c) => list(c.data.orders, c.query),
  },
  {
    method: 'GET',
    url: '/V1/orders/:id',
    resources: ['Magento_Sales::actions_view'],
    handle: (c) =>
      c.data.orders.find((o) => String(o.entity_id) === c.params.id)
        ? ok(c.data.orders.find((o) => String(o.entity_id) === c.params.id))
        : notFound(NO_ENTITY),
  },
  {
    method: 'POST',
    url: '/V1/orders/:id/comments',
    resources: ['Magento_Sales::comment'],
    handle: (c) => {
      const order = c.data.orders.find((o) => String(o.entity_id) === c.params.id);
      if (!order) return notFound(NO_ENTITY);
      order.status_histories.push(parseJson(c.body).statusHistory ?? {});
      return ok(true);
    },
  },
  {
    method: 'GET',
    url: '/V1/customers/search',
    resources: ['Magento_Customer::customer'],
    handle: (c) => list(c.data.customers, c.query),
  },
  {
    method: 'GET',
    url: '/V1/customers/:customerId',
    resources: ['Magento_Customer::customer'],
    handle: (c) => {
      const found = c.data.customers.find((x) => String(x.id) === c.params.customerId);
      return found
        ? ok(found)
        : notFound('No such entity with %fieldName = %fieldValue', {
            fieldName: 'customerId',
            fieldValue: c.params.customerId,
          });
    },
  },
  { method: 'GET', url: '/V1/customers/me', resources: ['self'], handle: () => ok({}) },
  {
    method: 'GET',
    url: '/V1/stockItems/:productSku',
    resources: ['Magento_CatalogInventory::cataloginventory'],
    handle: (c) => {
      const qty = c.data.stock[c.params.productSku!];
      if (qty === undefined) return notFound(NO_PRODUCT);
      return ok({
        product_id: c.data.products.find((p) => p.sku === c.params.productSku)?.id,
        qty,
        is_in_stock: qty > 0,
        stock_id: 1,
      });
    },
  },
  {
    method: 'GET',
    url: '/V1/store/storeConfigs',
    resources: ['Magento_Backend::store'],
    handle: (c) => ok(c.data.stores),
  },
  {
    method: 'GET',
    url: '/V1/directory/countries',
    resources: ['anonymous'],
    handle: () => ok([{ id: 'US', full_name_english: 'United States' }]),
  },
  {
    method: 'POST',
    url: '/V1/test/form',
    resources: P,
    handle: (c) => ok({ contentType: c.contentType, received: Object.fromEntries(new URLSearchParams(c.body)) }),
  },
  {
    method: 'GET',
    url: '/V1/test/slow',
    resources: P,
    handle: async (c) => {
      const ms = Number(c.query.ms ?? 1000);
      await new Promise((r) => setTimeout(r, ms));
      return ok({ slept: ms });
    },
  },
  {
    // Echoes the request headers it received and answers with headers a store must not be able
    // to set on the bridge's origin (CORS, HSTS, CSP, cookies…), for the gateway's header tests.
    method: 'GET',
    url: '/V1/test/headers',
    resources: P,
    handle: (c) => ({
      stream: async (res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': 'max-age=60',
          etag: '"emu-1"',
          'access-control-allow-origin': '*',
          'access-control-allow-credentials': 'true',
          'strict-transport-security': 'max-age=31536000; includeSubDomains',
          'content-security-policy': 'default-src *',
          refresh: '0; url=https://evil.example/',
          'set-cookie': 'PHPSESSID=emu; path=/',
          'alt-svc': 'h3=":443"',
          'x-emulator-hop': 'secret',
          connection: 'x-emulator-hop',
        });
        res.end(JSON.stringify({ headers: c.headers ?? {} }));
      },
    }),
  },
  {
    method: 'GET',
    url: '/V1/test/large',
    resources: P,
    handle: (c) => ({
      stream: async (res) => {
        // Streams `mb` MiB of JSON without building it in memory, honouring backpressure.
        const total = Math.max(0, Number(c.query.mb ?? 1)) * 1024 * 1024;
        const chunk = 'x'.repeat(64 * 1024);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":"');
        for (let sent = 0; sent < total; sent += chunk.length) {
          const piece = chunk.slice(0, Math.min(chunk.length, total - sent));
          if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
          if (res.destroyed) return;
        }
        res.end('"}');
      },
    }),
  },
];

/** Literal segments beat parameters; the raw segment (with any %2F) is decoded into the param. */
export function matchEmulatedRoute(method: string, segments: string[]) {
  let best: { route: EmulatedRoute; params: Record<string, string>; score: number } | null = null;
  for (const route of EMULATED_ROUTES) {
    if (route.method !== method) continue;
    const parts = route.url.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    const fits = parts.every((part, i) => {
      if (part.startsWith(':'))
        return segments[i] !== '' && ((params[part.slice(1)] = decodeURIComponent(segments[i]!)), true);
      score++;
      return part === segments[i];
    });
    if (fits && (!best || score > best.score)) best = { route, params, score };
  }
  return best;
}
