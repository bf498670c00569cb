import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMagentoEmulator, type MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import { buildQuery, signRequest, type SignRequestInput } from '../../src/oauth1/oauth1-signer.js';

// A tiny hand-rolled Magento client: the signer plus fetch.
async function post(
  url: string,
  sign: Omit<SignRequestInput, 'method' | 'url'>,
  extraHeaders: Record<string, string> = {},
) {
  const { authorization } = signRequest({ method: 'POST', url, ...sign });
  const res = await fetch(url, { method: 'POST', headers: { authorization, ...extraHeaders } });
  return { status: res.status, body: await res.text() };
}
const problem = (body: string) => new URLSearchParams(body).get('oauth_problem');

describe('token exchange (PROTOCOL.md §2)', () => {
  let now = Date.UTC(2025, 0, 1);
  let emu: MagentoEmulator;
  beforeAll(async () => {
    emu = await startMagentoEmulator({ clock: { now: () => now } });
  });
  afterAll(() => emu.close());

  async function activated() {
    const integration = emu.createIntegration({ resources: ['Magento_Catalog::products'] });
    // Activation POST to an unreachable endpoint: Magento errors on transport failure.
    await expect(emu.activate(integration.id, 'http://127.0.0.1:9/endpoint')).rejects.toThrow(
      /attempt to post data to consumer failed/,
    );
    const i = emu.getIntegration(integration.id);
    return {
      integration,
      verifier: i.token!.verifier,
      creds: { consumerKey: i.consumerKey, consumerSecret: i.consumerSecret },
    };
  }
  const ts = () => Math.floor(now / 1000);

  it('exchanges request token then access token, and the integration turns active', async () => {
    const { integration, verifier, creds } = await activated();
    const req = await post(`${emu.baseUrl}/oauth/token/request`, { ...creds, timestamp: ts() });
    expect(req.status).toBe(200);
    const rt = new URLSearchParams(req.body);
    expect(rt.get('oauth_token')).toMatch(/^[0-9a-z]{32}$/);
    const acc = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      token: rt.get('oauth_token')!,
      tokenSecret: rt.get('oauth_token_secret')!,
      verifier,
      timestamp: ts(),
    });
    expect(acc.status).toBe(200);
    expect(emu.getIntegration(integration.id).status).toBe('active');
    // The same request token cannot be exchanged twice.
    const again = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      token: rt.get('oauth_token')!,
      tokenSecret: rt.get('oauth_token_secret')!,
      verifier,
      timestamp: ts(),
    });
    expect(again.status).toBe(401);
    expect(problem(again.body)).toBe('Specified token does not exist');
    expect(emu.verdicts.at(-2)).toMatchObject({ path: '/oauth/token/access', ok: true, status: 200 });
  });

  it('answers "Token is already being used" for a token that is not a request token', async () => {
    const { integration, verifier, creds } = await activated();
    const verifierToken = emu.getIntegration(integration.id).token!;
    const res = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      token: verifierToken.token,
      tokenSecret: verifierToken.secret,
      verifier,
      timestamp: ts(),
    });
    expect([res.status, problem(res.body)]).toEqual([401, 'Token is already being used']);
  });

  it('refuses a consumer more than 300 s after activation', async () => {
    const { creds } = await activated();
    now += 301_000;
    const res = await post(`${emu.baseUrl}/oauth/token/request`, { ...creds, timestamp: ts() });
    expect(res).toEqual({ status: 401, body: 'oauth_problem=Consumer%20key%20has%20expired' });
  });

  it('refuses nonce replay, wrong verifier, token reuse, SHA-1, other versions, bad signatures', async () => {
    const { verifier, creds } = await activated();
    const first = await post(`${emu.baseUrl}/oauth/token/request`, { ...creds, nonce: 'n1', timestamp: ts() });
    expect(first.status).toBe(200);
    const replay = await post(`${emu.baseUrl}/oauth/token/request`, { ...creds, nonce: 'n1', timestamp: ts() });
    expect(replay.status).toBe(401);
    expect(problem(replay.body)).toMatch(/^The nonce is already being used by the consumer with ID \d+$/);
    const second = await post(`${emu.baseUrl}/oauth/token/request`, { ...creds, timestamp: ts() });
    expect(problem(second.body)).toBe('Cannot create request token because consumer token is not a verifier token');

    const rt = new URLSearchParams(first.body);
    const token = { token: rt.get('oauth_token')!, tokenSecret: rt.get('oauth_token_secret')! };
    const wrongVerifier = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      ...token,
      verifier: 'x'.repeat(32),
      timestamp: ts(),
    });
    expect([wrongVerifier.status, problem(wrongVerifier.body)]).toEqual([
      401,
      'Token verifier and verifier token do not match',
    ]);
    const shortVerifier = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      ...token,
      verifier: 'abc',
      timestamp: ts(),
    });
    expect([shortVerifier.status, problem(shortVerifier.body)]).toEqual([400, 'Verifier is not the correct length']);
    const shortToken = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      token: 'abc',
      tokenSecret: 'x',
      verifier,
      timestamp: ts(),
    });
    expect(shortToken.status).toBe(400);
    const badSig = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      ...token,
      tokenSecret: 'wrong',
      verifier,
      timestamp: ts(),
    });
    expect([badSig.status, problem(badSig.body)]).toEqual([401, 'The signature is invalid. Verify and try again.']);

    const sha1 = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      ...token,
      verifier,
      signatureMethod: 'HMAC-SHA1',
      timestamp: ts(),
    });
    expect([sha1.status, problem(sha1.body)]).toEqual([400, 'Signature method HMAC-SHA1 is not supported']);
    const future = await post(`${emu.baseUrl}/oauth/token/access`, {
      ...creds,
      ...token,
      verifier,
      timestamp: ts() + 601,
    });
    expect(future.status).toBe(401);
    const shortKey = await post(`${emu.baseUrl}/oauth/token/request`, {
      consumerKey: 'short',
      consumerSecret: 'x',
      timestamp: ts(),
    });
    expect([shortKey.status, problem(shortKey.body)]).toEqual([401, 'Consumer key is not the correct length']);

    const { authorization } = signRequest({
      method: 'POST',
      url: `${emu.baseUrl}/oauth/token/access`,
      ...creds,
      ...token,
      verifier,
      timestamp: ts(),
    });
    const v2 = await fetch(`${emu.baseUrl}/oauth/token/access`, {
      method: 'POST',
      headers: { authorization: authorization.replace('oauth_version="1.0"', 'oauth_version="2.0"') },
    });
    expect(v2.status).toBe(400);
    const noScheme = await fetch(`${emu.baseUrl}/oauth/token/access`, {
      method: 'POST',
      headers: { authorization: authorization.replace(/^OAuth /, 'Basic ') },
    });
    expect(noScheme.status).toBe(400);
    expect(problem(await noScheme.text())).toContain('"oauth_consumer_key" is required');

    const ok = await post(`${emu.baseUrl}/oauth/token/access`, { ...creds, ...token, verifier, timestamp: ts() });
    expect(ok.status).toBe(200);
  });
});

describe('REST calls (PROTOCOL.md §3, §4, §6)', () => {
  let emu: MagentoEmulator;
  let full: ReturnType<MagentoEmulator['issueAccessToken']>;
  let catalogOnly: ReturnType<MagentoEmulator['issueAccessToken']>;
  beforeAll(async () => {
    emu = await startMagentoEmulator();
    full = emu.issueAccessToken(emu.createIntegration({ all: true }).id);
    catalogOnly = emu.issueAccessToken(emu.createIntegration({ resources: ['Magento_Catalog::products'] }).id);
  });
  afterAll(() => emu.close());

  async function call(
    method: string,
    path: string,
    who = full,
    init: { body?: string; contentType?: string; formBody?: string } = {},
  ) {
    const url = emu.baseUrl + path;
    const { authorization } = signRequest({
      method,
      url,
      consumerKey: who.consumerKey,
      consumerSecret: who.consumerSecret,
      token: who.accessToken,
      tokenSecret: who.accessTokenSecret,
      formBody: init.formBody,
    });
    const res = await fetch(url, {
      method,
      headers: { authorization, ...(init.contentType ? { 'content-type': init.contentType } : {}) },
      body: init.body,
    });
    return { status: res.status, json: (await res.json()) as any, store: res.headers.get('x-emulator-store') };
  }

  it('lists products with searchCriteria filters and paging, capped at 300', async () => {
    const q = buildQuery({
      'searchCriteria[filter_groups][0][filters][0][field]': 'name',
      'searchCriteria[filter_groups][0][filters][0][value]': '%Bag%',
      'searchCriteria[filter_groups][0][filters][0][condition_type]': 'like',
    });
    const like = await call('GET', `/rest/V1/products?${q}`);
    expect(like.status).toBe(200);
    expect(like.json.items.map((p: any) => p.sku)).toEqual(['MB-01']);
    const raw = await call(
      'GET',
      '/rest/default/V1/products?searchCriteria[filter_groups][0][filters][0][field]=status&searchCriteria[filter_groups][0][filters][0][value]=1&searchCriteria[pageSize]=2&searchCriteria[currentPage]=2',
    );
    expect(raw.json).toMatchObject({ total_count: 4, items: [{ sku: 'ABC/10' }, { sku: 'CFG-1' }] });
    const tooBig = await call('GET', '/rest/V1/products?searchCriteria[pageSize]=301');
    expect(tooBig).toMatchObject({
      status: 400,
      json: { message: 'Maximum SearchCriteria pageSize is %max', parameters: { max: 300 } },
    });
  });

  it('serves SKUs with %2F, store codes and JSON bodies (unsigned)', async () => {
    expect((await call('GET', '/rest/V1/products/ABC%2F10')).json.name).toBe('Slash SKU Tee');
    expect(await call('GET', '/rest/fr/V1/products/MB-01')).toMatchObject({ store: 'fr', json: { name: 'Sac Joust' } });
    expect((await call('GET', '/rest/all/V1/products/MB-01')).store).toBe('all');
    const put = await call('PUT', '/rest/all/V1/products/ABC%2F10', full, {
      body: JSON.stringify({ product: { price: 21 } }),
      contentType: 'application/json',
    });
    expect(put).toMatchObject({ status: 200, json: { sku: 'ABC/10', price: 21 } });
    expect((await call('GET', '/rest/V1/products/NOPE')).status).toBe(404);
    expect(await call('GET', '/rest/V1/nothing/here')).toMatchObject({
      status: 404,
      json: { message: 'Request does not match any route.' },
    });
  });

  it('signs form bodies: a tampered body fails', async () => {
    const form = 'comment=hello+world&sku=ABC%2F10';
    const good = await call('POST', '/rest/V1/test/form', full, {
      body: form,
      formBody: form,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(good).toMatchObject({ status: 200, json: { received: { comment: 'hello world', sku: 'ABC/10' } } });
    const bad = await call('POST', '/rest/V1/test/form', full, {
      body: form + 'x',
      formBody: form,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(bad).toMatchObject({ status: 401, json: { message: 'The signature is invalid. Verify and try again.' } });
    expect(emu.verdicts.at(-1)).toMatchObject({
      ok: false,
      reason: 'The signature is invalid. Verify and try again.',
      path: '/rest/V1/test/form',
    });
  });

  it('enforces every ACL resource with Magento error bodies', async () => {
    expect((await call('GET', '/rest/V1/products/MB-01', catalogOnly)).status).toBe(200);
    const denied = await call('GET', '/rest/V1/orders/1', catalogOnly);
    expect(denied).toMatchObject({
      status: 401,
      json: {
        message: "The consumer isn't authorized to access %resources.",
        parameters: { resources: 'Magento_Sales::actions_view' },
      },
    });
    expect(emu.verdicts.at(-1)).toMatchObject({ ok: true, reason: 'acl_denied', status: 401 });
    expect(
      (
        await call('POST', '/rest/V1/orders/1/comments', full, {
          body: JSON.stringify({ statusHistory: { comment: 'hi' } }),
          contentType: 'application/json',
        })
      ).json,
    ).toBe(true);
    expect((await call('GET', '/rest/V1/orders/1')).json.status_histories).toEqual([{ comment: 'hi' }]);
    expect((await call('GET', '/rest/V1/customers/me')).status).toBe(401);
    expect((await fetch(`${emu.baseUrl}/rest/V1/directory/countries`)).status).toBe(200);
  });

  it('other routes: orders, customers, stock, store configs, slow, large, graphql', async () => {
    expect((await call('GET', '/rest/V1/orders?searchCriteria[pageSize]=1')).json.items).toHaveLength(1);
    expect(
      (
        await call(
          'GET',
          '/rest/V1/customers/search?searchCriteria[filter_groups][0][filters][0][field]=email&searchCriteria[filter_groups][0][filters][0][value]=jane@example.com',
        )
      ).json.items[0].id,
    ).toBe(2);
    expect((await call('GET', '/rest/V1/customers/2')).json.firstname).toBe('Jane');
    expect((await call('GET', '/rest/V1/stockItems/ABC%2F10')).json).toMatchObject({ qty: 7, is_in_stock: true });
    expect((await call('GET', '/rest/V1/store/storeConfigs')).json).toHaveLength(2);
    expect((await call('GET', '/rest/V1/test/slow?ms=20')).json).toEqual({ slept: 20 });
    const url = `${emu.baseUrl}/rest/V1/test/large?mb=2`;
    const { authorization } = signRequest({
      method: 'GET',
      url,
      consumerKey: full.consumerKey,
      consumerSecret: full.consumerSecret,
      token: full.accessToken,
      tokenSecret: full.accessTokenSecret,
    });
    const large = await fetch(url, { headers: { authorization } });
    expect((await large.arrayBuffer()).byteLength).toBe(2 * 1024 * 1024 + '{"data":""}'.length);
    const gqlUrl = `${emu.baseUrl}/graphql`;
    const signed = signRequest({
      method: 'POST',
      url: gqlUrl,
      consumerKey: full.consumerKey,
      consumerSecret: full.consumerSecret,
      token: full.accessToken,
      tokenSecret: full.accessTokenSecret,
    });
    const gql = await fetch(gqlUrl, {
      method: 'POST',
      headers: { authorization: signed.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ storeConfig { code } }' }),
    });
    expect(((await gql.json()) as any).data.echo).toMatchObject({
      query: '{ storeConfig { code } }',
      integrationId: 1,
    });
  });

  it('integration token as Bearer: refused unless the flag is on; revoked tokens fail', async () => {
    const bearer = () =>
      fetch(`${emu.baseUrl}/rest/V1/products/MB-01`, { headers: { authorization: `Bearer ${full.accessToken}` } });
    const off = await bearer();
    expect([off.status, ((await off.json()) as any).message]).toEqual([
      401,
      "The consumer isn't authorized to access %resources.",
    ]);
    expect(emu.verdicts.at(-1)).toMatchObject({ ok: false, reason: 'bearer_disabled' });
    emu.setBearerEnabled(true);
    expect((await bearer()).status).toBe(200);
    emu.setBearerEnabled(false);
    const victim = emu.issueAccessToken(emu.createIntegration({ all: true }).id);
    emu.revokeAccessToken(3);
    expect(await call('GET', '/rest/V1/products/MB-01', victim)).toMatchObject({
      status: 401,
      json: { message: 'Access token has been revoked' },
    });
  });

  it('adds latency on demand', async () => {
    emu.setLatency(120);
    const started = Date.now();
    await call('GET', '/rest/V1/products/MB-01');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    emu.setLatency(0);
  });
});
