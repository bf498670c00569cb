import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type Emulator = Awaited<ReturnType<typeof startMagentoEmulator>>;

let emu: Emulator;
let s: TestServer;
let clientId: string;
let clientSecret: string;
const tokens: Record<string, string> = {};

async function clientCredentialsToken(scope: string, id = clientId, secret = clientSecret): Promise<string> {
  const res = await s.request
    .post('/token')
    .auth(id, secret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token;
}

async function linkClient(id: string) {
  const integration = emu.createIntegration({
    resources: [
      'Magento_Catalog::products',
      'Magento_Sales::actions_view',
      'Magento_Sales::comment',
      'Magento_Customer::customer',
      'Magento_Backend::store',
      'Magento_CatalogInventory::cataloginventory',
    ],
  });
  const t = emu.issueAccessToken(integration.id);
  await s.runtime.links.ensure(id);
  await s.runtime.links.importActive(
    id,
    {
      mode: 'oauth1',
      consumerKey: t.consumerKey,
      consumerSecret: t.consumerSecret,
      token: t.accessToken,
      tokenSecret: t.accessTokenSecret,
      storeBaseUrl: emu.storeBaseUrl,
    },
    'test',
  );
  return integration;
}

const lastVerdict = () => emu.verdicts[emu.verdicts.length - 1]!;

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startTestServer({
    env: { MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE, GATEWAY_TIMEOUT_MS: '1500' },
  });
  const created = await s.runtime.clients.create({
    name: 'ERP sync',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: [
      'catalog:read',
      'catalog:write',
      'orders:read',
      'orders:write',
      'customers:read',
      'stores:read',
      'inventory:read',
      'graphql:read',
      'graphql:write',
    ],
  });
  clientId = created.client.clientId;
  clientSecret = created.clientSecret!;
  await linkClient(clientId);
  tokens.catalogRead = await clientCredentialsToken('catalog:read');
  tokens.catalogWrite = await clientCredentialsToken('catalog:write');
  tokens.orders = await clientCredentialsToken('orders:read orders:write');
  tokens.graphqlRead = await clientCredentialsToken('graphql:read');
  tokens.graphqlWrite = await clientCredentialsToken('graphql:write');
});

afterAll(async () => {
  await s?.close();
  await emu?.close();
});

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('gateway: authorized calls are signed for Magento and streamed back', () => {
  it('GET with bracketed searchCriteria filters and paging', async () => {
    const q =
      'searchCriteria[filter_groups][0][filters][0][field]=name&searchCriteria[filter_groups][0][filters][0][value]=%25Shirt%25' +
      '&searchCriteria[filter_groups][0][filters][0][condition_type]=like&searchCriteria[pageSize]=1&searchCriteria[currentPage]=1';
    const res = await s.request.get(`/rest/V1/products?${q}`).set(auth(tokens.catalogRead!));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['x-bridge-source']).toBe('upstream');
    expect(res.body.items).toHaveLength(1);
    expect(res.body.total_count).toBeGreaterThanOrEqual(1);
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'GET' });
  });

  it('a SKU with a slash (%2F) reaches the right product', async () => {
    const res = await s.request.get('/rest/V1/products/ABC%2F10').set(auth(tokens.catalogRead!));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.sku).toBe('ABC/10');
    expect(lastVerdict()).toMatchObject({ ok: true, path: '/rest/V1/products/ABC%2F10' });
  });

  it('store-code paths', async () => {
    const res = await s.request.get('/rest/default/V1/products/ABC%2F10').set(auth(tokens.catalogRead!));
    expect(res.status).toBe(200);
    expect(lastVerdict()).toMatchObject({ ok: true, path: '/rest/default/V1/products/ABC%2F10' });
    const all = await s.request.get('/rest/all/V1/products?searchCriteria[pageSize]=2').set(auth(tokens.catalogRead!));
    expect(all.status).toBe(200);
    expect(lastVerdict().ok).toBe(true);
  });

  it('PUT with a JSON body', async () => {
    const res = await s.request
      .put('/rest/V1/products/ABC%2F10')
      .set(auth(tokens.catalogWrite!))
      .send({ product: { sku: 'ABC/10', name: 'Renamed through the bridge' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.name).toBe('Renamed through the bridge');
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'PUT' });
  });

  it('POST with a form body (signed as Magento signs form bodies)', async () => {
    const res = await s.request
      .post('/rest/V1/test/form')
      .set(auth(tokens.catalogWrite!))
      .type('form')
      .send('note=hello world&plus=a%2Bb');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'POST' });
  });

  it('anonymous routes pass with any valid token', async () => {
    const res = await s.request.get('/rest/V1/directory/countries').set(auth(tokens.orders!));
    expect(res.status).toBe(200);
    expect(lastVerdict()).toMatchObject({ ok: true, path: '/rest/V1/directory/countries' });
  });
});

describe('gateway: refusals', () => {
  it('missing, malformed and unknown tokens → 401 invalid_token', async () => {
    const none = await s.request.get('/rest/V1/products/ABC%2F10');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="magento", error="invalid_token"/);
    const bad = await s.request.get('/rest/V1/products/ABC%2F10').set('Authorization', 'Bearer not a token');
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    const unknown = await s.request.get('/rest/V1/products/ABC%2F10').set(auth('x'.repeat(43)));
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('tokens in the query string are refused', async () => {
    const before = emu.verdicts.length;
    const res = await s.request.get(`/rest/V1/products/ABC%2F10?access_token=${tokens.catalogRead}`);
    expect(res.status).toBe(400);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_request"/);
    expect(emu.verdicts.length).toBe(before);
  });

  it('tokens in a form body are refused too', async () => {
    const before = emu.verdicts.length;
    const res = await s.request
      .post('/rest/V1/test/form')
      .set(auth(tokens.catalogWrite!))
      .type('form')
      .send(`note=x&access_token=${tokens.catalogRead}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(emu.verdicts.length).toBe(before);
  });

  it('dot segments (which a proxy could turn into another route) → 404 without calling Magento', async () => {
    const before = emu.verdicts.length;
    for (const path of ['/rest/V1/products/1/stockItems/..', '/rest/V1/products/%2e%2e/ABC']) {
      const res = await s.request.get(path).set(auth(tokens.catalogRead!));
      expect(res.status, path).toBe(404);
    }
    expect(emu.verdicts.length).toBe(before);
  });

  it('a read token doing PUT → 403 insufficient_scope naming the scope', async () => {
    const before = emu.verdicts.length;
    const res = await s.request.put('/rest/V1/products/ABC%2F10').set(auth(tokens.catalogRead!)).send({ product: {} });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope", scope="catalog:write"/);
    expect(res.body).toMatchObject({
      error: 'insufficient_scope',
      route: 'PUT /V1/products/:sku',
      scope_needed: 'catalog:write',
    });
    expect(emu.verdicts.length).toBe(before);
  });

  it('an orders token reading customers → 403', async () => {
    const res = await s.request.get('/rest/V1/customers/1').set(auth(tokens.orders!));
    expect(res.status).toBe(403);
    expect(res.body.scope_needed).toBe('customers:read');
  });

  it('customer-only (self) routes are refused', async () => {
    const res = await s.request.get('/rest/V1/customers/me').set(auth(tokens.orders!));
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/customer's own data/);
  });

  it("unknown route → 404 in Magento's shape, without calling Magento", async () => {
    const before = emu.verdicts.length;
    const res = await s.request.get('/rest/V1/no/such/route').set(auth(tokens.catalogRead!));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Request does not match any route.' });
    expect(emu.verdicts.length).toBe(before);
  });

  it('request bodies over the limit → 413', async () => {
    const res = await s.request
      .put('/rest/V1/products/ABC%2F10')
      .set(auth(tokens.catalogWrite!))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ product: { name: 'x'.repeat(s.config.gateway.maxBodyBytes + 10) } }));
    expect(res.status).toBe(413);
  });

  it('a chunked body (no Content-Length) over the limit → 413, Magento never sees it all', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(120);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > s.config.gateway.maxBodyBytes + 2 * chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${s.baseUrl}/rest/V1/products/ABC%2F10`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.catalogWrite}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('x-bridge-source')).toBe('bridge');
  });

  it("Magento's own errors pass through unchanged, marked as upstream", async () => {
    const res = await s.request.get('/rest/V1/products/NO-SUCH-SKU').set(auth(tokens.catalogRead!));
    expect(res.status).toBe(404);
    expect(res.headers['x-bridge-source']).toBe('upstream');
    expect(res.body.message).toMatch(/product that was requested doesn't exist|does not exist|doesn't exist/i);
  });
});

describe('gateway: GraphQL', () => {
  it('graphql:read allows queries and refuses mutations', async () => {
    const q = await s.request
      .post('/graphql')
      .set(auth(tokens.graphqlRead!))
      .send({ query: '{ products(search: "x") { total_count } }' });
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect(lastVerdict()).toMatchObject({ ok: true, path: '/graphql' });
    const m = await s.request
      .post('/graphql')
      .set(auth(tokens.graphqlRead!))
      .send({ query: 'mutation { createEmptyCart }' });
    expect(m.status).toBe(403);
    expect(m.body.scope_needed).toBe('graphql:write');
  });

  it('graphql:write allows mutations', async () => {
    const m = await s.request
      .post('/graphql')
      .set(auth(tokens.graphqlWrite!))
      .send({ query: 'mutation { createEmptyCart }' });
    expect(m.status, JSON.stringify(m.body)).toBe(200);
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'POST', path: '/graphql' });
  });

  it('a REST-only token cannot use GraphQL; garbage is a 400', async () => {
    expect((await s.request.post('/graphql').set(auth(tokens.catalogRead!)).send({ query: '{ a }' })).status).toBe(403);
    expect((await s.request.post('/graphql').set(auth(tokens.graphqlRead!)).type('json').send('{nope')).status).toBe(
      400,
    );
  });
});

describe('gateway: upstream trouble', () => {
  it('slow Magento → 504', async () => {
    const res = await s.request.get('/rest/V1/test/slow?ms=4000').set(auth(tokens.catalogRead!));
    expect(res.status).toBe(504);
    expect(res.body.error).toBe('upstream_timeout');
  });

  it('every call lands in the audit log without tokens', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const events = await s.runtime.audit.list({ clientId, limit: 200 });
    const calls = events.filter((e) => e.type === 'gateway.call');
    expect(calls.length).toBeGreaterThan(5);
    expect(calls[0]!.details).toMatchObject({
      route: expect.any(String),
      status: expect.any(Number),
      durationMs: expect.any(Number),
    });
    expect(JSON.stringify(events)).not.toContain(tokens.catalogRead);
    expect(events.some((e) => e.type === 'gateway.denied' && e.details?.reason === 'missing_scope')).toBe(true);
  });
});
