import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkToEmulator } from '../support/linked-client.js';

// The /graphql route end to end: what is refused never reaches the emulator (its verdict list
// does not grow); what passes reaches it signed, with the very document that was checked.

type Emulator = Awaited<ReturnType<typeof startMagentoEmulator>>;

let emu: Emulator;
let s: TestServer;
let read: string;
let write: string;
const MAX_DEPTH = 6;
const MAX_TOKENS = 400;

async function token(clientId: string, clientSecret: string, scope: string): Promise<string> {
  const res = await s.request
    .post('/token')
    .auth(clientId, clientSecret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token;
}

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startTestServer({
    env: {
      MAGENTO_BASE_URL: emu.storeBaseUrl,
      ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE,
      GATEWAY_GRAPHQL_MAX_DEPTH: String(MAX_DEPTH),
      GATEWAY_GRAPHQL_MAX_TOKENS: String(MAX_TOKENS),
    },
  });
  const created = await s.runtime.clients.create({
    name: 'Storefront',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['graphql:read', 'graphql:write'],
  });
  const { clientId } = created.client;
  await linkToEmulator(s, emu, clientId, { resources: ['Magento_Catalog::products'] });
  read = await token(clientId, created.clientSecret!, 'graphql:read');
  write = await token(clientId, created.clientSecret!, 'graphql:write');
});

afterAll(async () => {
  await s?.close();
  await emu?.close();
});

const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
const postJson = (t: string, body: string, type = 'application/json') =>
  s.request.post('/graphql').set(auth(t)).set('Content-Type', type).send(body);
/** Raw bytes (superagent would JSON-encode a Buffer), answered in supertest's shape. */
async function postBytes(t: string, body: Buffer) {
  const res = await fetch(`${s.baseUrl}/graphql`, {
    method: 'POST',
    headers: { ...auth(t), 'content-type': 'application/json' },
    body: new Uint8Array(body),
  });
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: (await res.json()) as Record<string, unknown>,
  };
}
const lastVerdict = () => emu.verdicts[emu.verdicts.length - 1]!;

/** Runs a call that must be refused by the bridge and checks the store never saw it. */
async function refused(
  call: () => PromiseLike<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>,
) {
  const before = emu.verdicts.length;
  const res = await call();
  expect(res.headers['x-bridge-source'], JSON.stringify(res.body)).toBe('bridge');
  expect(emu.verdicts.length).toBe(before);
  return res;
}

describe('GraphQL: comments, line terminators and BOMs are read as GraphQL reads them', () => {
  it.each([
    ['\\r', '# only reading\rmutation { createEmptyCart }'],
    ['\\r\\n', '# only reading\r\nmutation { createEmptyCart }'],
    ['BOM', '\uFEFFmutation { createEmptyCart }'],
  ])('a mutation after a comment ended by %s needs graphql:write', async (_label, query) => {
    const res = await refused(() => postJson(read, JSON.stringify({ query })));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: 'insufficient_scope',
      scope_needed: 'graphql:write',
      route: 'POST /graphql',
    });
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope", scope="graphql:write"/);

    const ok = await postJson(write, JSON.stringify({ query }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.headers['x-bridge-source']).toBe('upstream');
    expect(ok.body.data.echo.query).toBe(query); // the checked document is the one Magento got
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'POST', path: '/graphql' });
  });

  it('U+2028 does not end a comment: the text after it stays a comment, the query passes unchanged', async () => {
    const query = '{ products(search: "x") { total_count } } # note\u2028mutation { createEmptyCart }';
    const res = await postJson(read, JSON.stringify({ query }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.echo.query).toBe(query);
  });

  it("a body starting with a byte-order mark is refused like Magento's JSON decoder refuses it", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ query: '{ a }' }))]);
    const res = await refused(() => postBytes(read, body));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      message: 'GraphQL request body must not start with a byte-order mark',
    });
  });
});

describe('GraphQL: one media type, one body format', () => {
  const mutation = JSON.stringify({ query: 'mutation { createEmptyCart }' });

  it.each([
    'application/graphql; profile=application/json',
    'application/graphql',
    'application/jsonp',
    'text/plain; a=application/json',
    'application/json; charset=utf-16',
    'application/json; profile=x',
    'application/json, application/graphql',
    'multipart/form-data; boundary=application/json',
  ])('Content-Type: %s → 415 before anything is forwarded', async (type) => {
    const res = await refused(() => postJson(write, mutation, type));
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      error: 'unsupported_media_type',
      message: 'GraphQL requests must be sent as Content-Type: application/json (charset utf-8)',
    });
  });

  it('a missing Content-Type → 415', async () => {
    const res = await refused(() => s.request.post('/graphql').set(auth(write)).set('Content-Type', '').send(mutation));
    expect(res.status).toBe(415);
  });

  it('a content-encoded body → 415 (the bytes checked must be the bytes Magento reads)', async () => {
    const res = await refused(() =>
      s.request
        .post('/graphql')
        .set(auth(write))
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'br')
        .send(mutation),
    );
    expect(res.status).toBe(415);
    expect(res.body).toEqual({
      error: 'unsupported_media_type',
      message: 'GraphQL request bodies must not be content-encoded',
    });
  });

  it('the JSON type in any case, with charset utf-8, is accepted', async () => {
    const res = await postJson(read, JSON.stringify({ query: '{ a }' }), 'Application/JSON; Charset="UTF-8"');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.echo.query).toBe('{ a }');
  });

  it.each([
    [
      'a batch (JSON array)',
      JSON.stringify([{ query: '{ a }' }, { query: 'mutation { createEmptyCart }' }]),
      /Batched GraphQL requests/,
    ],
    ['a JSON string', JSON.stringify('{ a }'), /must be a JSON object/],
    ['JSON null', 'null', /must be a JSON object/],
    ['not JSON', '{nope', /must be JSON/],
    ['an empty body', '', /must be JSON/],
    [
      'a query that is not a string',
      JSON.stringify({ query: ['mutation { createEmptyCart }'] }),
      /query must be a string/,
    ],
    ['no query', JSON.stringify({ variables: {} }), /has no query/],
    ['variables as an array', JSON.stringify({ query: '{ a }', variables: [1] }), /variables must be a JSON object/],
    [
      'operationName as a number',
      JSON.stringify({ query: '{ a }', operationName: 1 }),
      /operationName must be a string/,
    ],
    ['a lone surrogate', '{"query":"{ a(s: \\"\\ud800\\") }"}', /valid Unicode/],
  ])('%s → 400 invalid_request', async (_label, body, message) => {
    const res = await refused(() => postJson(write, body));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.message).toMatch(message);
  });

  it('a body that is not UTF-8 → 400', async () => {
    const body = Buffer.concat([
      Buffer.from('{"query":"{ a(s: \\"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\\") }"}'),
    ]);
    const res = await refused(() => postBytes(write, body));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('GraphQL request body is not valid UTF-8');
  });

  it('variables and operationName reach Magento as sent', async () => {
    const body = JSON.stringify({
      query: 'query P($s: String) { products(search: $s) { total_count } }',
      operationName: 'P',
      variables: { s: 'shirt' },
    });
    const res = await postJson(read, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.echo).toMatchObject({ operationName: 'P', variables: { s: 'shirt' } });
  });
});

describe('GraphQL: the operation that runs is the one checked', () => {
  const doc = 'query Read { products(search: "x") { total_count } } mutation Write { createEmptyCart }';

  it('operationName naming the mutation of a multi-operation document needs graphql:write', async () => {
    const res = await refused(() => postJson(read, JSON.stringify({ query: doc, operationName: 'Write' })));
    expect(res.status).toBe(403);
    expect(res.body.scope_needed).toBe('graphql:write');
    const ok = await postJson(write, JSON.stringify({ query: doc, operationName: 'Write' }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('operationName naming the query passes with graphql:read', async () => {
    const res = await postJson(read, JSON.stringify({ query: doc, operationName: 'Read' }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.echo).toMatchObject({ query: doc, operationName: 'Read' });
  });

  it('without operationName, or with an unknown one, a multi-operation document is refused', async () => {
    const none = await refused(() => postJson(write, JSON.stringify({ query: doc })));
    expect(none.status).toBe(400);
    expect(none.body.message).toBe('operationName is required when the document has several operations');
    const unknown = await refused(() =>
      postJson(write, JSON.stringify({ query: 'mutation Write { createEmptyCart }', operationName: 'Read' })),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe('operation "Read" not found in the document');
  });

  it('fragments: a mutation built from fragments needs graphql:write; a query with them passes', async () => {
    const frag = 'fragment C on Cart { id items { id } }';
    const m = await refused(() =>
      postJson(read, JSON.stringify({ query: `${frag} mutation { createEmptyCart { ...C } }` })),
    );
    expect(m.status).toBe(403);
    const q = await postJson(read, JSON.stringify({ query: `query { cart(cart_id: "1") { ...C } } ${frag}` }));
    expect(q.status, JSON.stringify(q.body)).toBe(200);
  });

  it('subscriptions and schema definitions are refused', async () => {
    expect((await refused(() => postJson(write, JSON.stringify({ query: 'subscription { a }' })))).body.message).toBe(
      'GraphQL subscriptions are not supported',
    );
    expect(
      (await refused(() => postJson(write, JSON.stringify({ query: 'type Query { a: Int } { a }' })))).status,
    ).toBe(400);
  });
});

describe('GraphQL: size and depth limits (GATEWAY_GRAPHQL_MAX_DEPTH, GATEWAY_GRAPHQL_MAX_TOKENS)', () => {
  const nested = (levels: number) => '{' + ' a {'.repeat(levels - 1) + ' b' + ' }'.repeat(levels - 1) + ' }';

  it('the configured depth passes; one level more → 400 naming the limit', async () => {
    const ok = await postJson(read, JSON.stringify({ query: nested(MAX_DEPTH) }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const res = await refused(() => postJson(read, JSON.stringify({ query: nested(MAX_DEPTH + 1) })));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      message: `GraphQL document is nested more than ${MAX_DEPTH} levels deep (GATEWAY_GRAPHQL_MAX_DEPTH)`,
    });
  });

  it('depth through fragments counts, and fragment cycles are refused at once', async () => {
    const viaFragments =
      '{ a { ...F } } fragment F on T { b { c { ...G } } } fragment G on T { d { e { ' + 'f { g } } } }'; // 1 + 2 + 4 levels
    expect((await refused(() => postJson(read, JSON.stringify({ query: viaFragments })))).body.message).toMatch(
      /GATEWAY_GRAPHQL_MAX_DEPTH/,
    );
    const cycle = await refused(() =>
      postJson(read, JSON.stringify({ query: '{ ...A } fragment A on Q { a { ...B } } fragment B on Q { ...A }' })),
    );
    expect(cycle.status).toBe(400);
    expect(cycle.body.message).toMatch(/fragment cycle/);
  });

  it('a document nested thousands of levels deep → the same 400, not a crash', async () => {
    const deep = '{a'.repeat(3000) + '}'.repeat(3000);
    const res = await refused(() => postJson(read, JSON.stringify({ query: deep })));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/GATEWAY_GRAPHQL_MAX_(DEPTH|TOKENS)/);
  });

  it('a huge document → 400 naming the token limit', async () => {
    const wide = '{ ' + Array.from({ length: MAX_TOKENS }, (_, i) => `f${i}`).join(' ') + ' }';
    const res = await refused(() => postJson(read, JSON.stringify({ query: wide })));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      message: `GraphQL document has more than ${MAX_TOKENS} tokens or comments (GATEWAY_GRAPHQL_MAX_TOKENS)`,
    });
    const comments = await refused(() =>
      postJson(read, JSON.stringify({ query: '#\n'.repeat(MAX_TOKENS + 1) + '{ a }' })),
    );
    expect(comments.status).toBe(400);
  });
});

describe('GraphQL over GET: queries only', () => {
  const get = (qs: string, t = read) => s.request.get(`/graphql?${qs}`).set(auth(t));

  it('a query passes, with its query string forwarded unchanged', async () => {
    const query = 'query P($s: String) { products(search: $s) { total_count } }';
    const qs = `query=${encodeURIComponent(query)}&operationName=P&variables=${encodeURIComponent('{"s":"x"}')}`;
    const res = await get(qs);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.echo).toMatchObject({
      query: 'query P($s: String) { products(search: $s) { total_count } }',
      operationName: 'P',
    });
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'GET', path: `/graphql?${qs}` });
  });

  it('a mutation over GET → 405 with Allow: POST, even with graphql:write', async () => {
    const res = await refused(() => get(`query=${encodeURIComponent('mutation { createEmptyCart }')}`, write));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual({ error: 'invalid_request', message: 'GraphQL mutations must be sent with POST' });
    // Selecting a query does not make a document holding a mutation acceptable over GET.
    const mixed = await refused(() =>
      get(`query=${encodeURIComponent('mutation W { createEmptyCart } query R { a }')}&operationName=R`, write),
    );
    expect(mixed.status).toBe(405);
    const hidden = await refused(() => get(`query=${encodeURIComponent('# x\rmutation { createEmptyCart }')}`, write));
    expect(hidden.status).toBe(405);
  });

  it.each([
    [
      'a repeated query parameter',
      `query=${encodeURIComponent('{ a }')}&query=${encodeURIComponent('mutation { createEmptyCart }')}`,
      /must appear once/,
    ],
    ['query[] (an array for PHP)', `query[]=${encodeURIComponent('mutation { createEmptyCart }')}`, /ambiguous/],
    ['a name PHP trims to query', `%20query=${encodeURIComponent('mutation { createEmptyCart }')}`, /ambiguous/],
    ['no query', 'operationName=A', /has no query/],
    [
      'variables that are not a JSON object',
      `query=${encodeURIComponent('{ a }')}&variables=%5B1%5D`,
      /variables must be a JSON object/,
    ],
  ])('%s → 400', async (_label, qs, message) => {
    const res = await refused(() => get(qs, write));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('a GET with a body → 400 (nothing of it would be checked)', async () => {
    const res = await refused(() =>
      s.request
        .get(`/graphql?query=${encodeURIComponent('{ a }')}`)
        .set(auth(read))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ query: 'mutation { createEmptyCart }' })),
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('GraphQL GET requests carry no body');
  });

  it('other methods → 405 with Allow: GET, POST', async () => {
    const res = await refused(() =>
      s.request
        .put('/graphql')
        .set(auth(write))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ query: '{ a }' })),
    );
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
  });
});

describe('GraphQL refusals are audited', () => {
  it('with the reason, and never the token', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const events = await s.runtime.audit.list({ limit: 500 });
    const denied = events.filter((e) => e.type === 'gateway.denied');
    const reasons = new Set(denied.map((e) => e.details?.reason));
    for (const reason of ['missing_scope', 'unsupported_media_type', 'invalid_request', 'get_mutation'])
      expect(reasons).toContain(reason);
    expect(denied.find((e) => e.details?.reason === 'get_mutation')!.details).toMatchObject({
      route: 'GET /graphql',
      method: 'GET',
      status: 405,
    });
    expect(JSON.stringify(events)).not.toContain(read);
  });
});
