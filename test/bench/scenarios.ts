// The scenarios: what is sent, to whom, and which target applies. Each product run is bracketed by
// the round-trip counter and followed by an RSS reading of the product server.
import type autocannon from 'autocannon';
import type { BenchConfig, ScenarioName } from './bench-config.js';
import { cpuMs, rssMiB } from './child-processes.js';
import { runConsentFlows, type AdminSlot } from './consent-flow.js';
import { basicAuth, FORM, runLoad, type Measured } from './load.js';
import { PRODUCT_HEADERS, type ClientCredentials, type Product, type RoundTripCounter } from './product-setup.js';
import type { BareEngine, BareProxy } from './references.js';

export interface Target {
  /** e.g. "≥ 0.5× bare engine" */
  text: string;
  met: boolean;
}

export interface ScenarioResult {
  name: ScenarioName;
  what: string;
  unit: 'req/s' | 'flows/s';
  product: Measured;
  productRssMiB: number | null;
  /** CPU time of the product server per request (steadier than req/s on a shared box). */
  productCpuMsPerRequest: number | null;
  /** PostgreSQL round trips (Query or Sync messages) per product request. */
  dbRoundTripsPerRequest: number | null;
  reference: (Measured & { name: string }) | null;
  /** product rps / reference rps */
  ratio: number | null;
  target: Target | null;
  notes: string[];
}

export interface BenchContext {
  cfg: BenchConfig;
  product: Product;
  counter: RoundTripCounter;
  engine: BareEngine;
  proxy: BareProxy;
  gatewayClient: ClientCredentials;
  webClient: ClientCredentials;
  admins: AdminSlot[];
  /** Unused refresh tokens from the consent flows: one rotation chain per connection. */
  refreshTokens: string[];
}

export const errorsOf = (m: Measured) => m.non2xx + m.socketErrors;
const RSS_TARGET_MIB = 150;

async function onProduct(ctx: BenchContext, run: () => Promise<Measured>) {
  const pid = ctx.product.proc.child.pid!;
  const before = await ctx.counter.count();
  const cpuBefore = cpuMs(pid);
  const product = await run();
  const cpuAfter = cpuMs(pid);
  const trips = (await ctx.counter.count()) - before;
  return {
    product,
    productRssMiB: rssMiB(pid),
    productCpuMsPerRequest:
      cpuBefore !== null && cpuAfter !== null && product.requests ? (cpuAfter - cpuBefore) / product.requests : null,
    dbRoundTripsPerRequest: product.requests ? trips / product.requests : null,
  };
}

function result(
  name: ScenarioName,
  what: string,
  measured: Awaited<ReturnType<typeof onProduct>>,
  reference: ScenarioResult['reference'],
  target: (r: { ratio: number | null; rps: number }) => Target | null,
  notes: string[] = [],
  unit: ScenarioResult['unit'] = 'req/s',
): ScenarioResult {
  const ratio = reference && reference.rps > 0 ? measured.product.rps / reference.rps : null;
  return {
    name,
    what,
    unit,
    ...measured,
    reference,
    ratio,
    target: target({ ratio, rps: measured.product.rps }),
    notes,
  };
}

const ratioTarget = (min: number, of: string) => (r: { ratio: number | null }) => ({
  text: `≥ ${min}× ${of}`,
  met: r.ratio !== null && r.ratio >= min,
});

async function postJson(url: string, headers: Record<string, string>, body: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Headers for the product (Host and the TLS proxy's header) plus Basic auth. */
const productAuth = (c: ClientCredentials) => ({
  ...PRODUCT_HEADERS,
  authorization: basicAuth(c.clientId, c.clientSecret),
});
const engineAuth = (e: BareEngine) => ({ authorization: basicAuth(e.clientId, e.clientSecret) });

async function productAccessToken(ctx: BenchContext): Promise<string> {
  const r = await postJson(
    `${ctx.product.baseUrl}/token`,
    productAuth(ctx.gatewayClient),
    'grant_type=client_credentials&scope=catalog%3Aread%20catalog%3Awrite',
  );
  return r.access_token as string;
}

const load = (ctx: BenchContext, url: string, headers: Record<string, string>, requests: autocannon.Request[]) =>
  runLoad({ url, connections: ctx.cfg.connections, durationS: ctx.cfg.durationS, headers, requests });

const CC_BODY = 'grant_type=client_credentials&scope=catalog%3Aread';

async function clientCredentials(ctx: BenchContext): Promise<ScenarioResult> {
  const req: autocannon.Request = { method: 'POST', path: '/token', body: CC_BODY };
  const measured = await onProduct(ctx, () =>
    load(ctx, ctx.product.baseUrl, { ...productAuth(ctx.gatewayClient), 'content-type': FORM }, [req]),
  );
  const ref = await load(ctx, ctx.engine.baseUrl, { ...engineAuth(ctx.engine), 'content-type': FORM }, [req]);
  return result(
    'client_credentials',
    'POST /token grant_type=client_credentials, client_secret_basic, opaque token',
    measured,
    { name: 'bare oidc-provider', ...ref },
    ratioTarget(0.5, 'bare engine'),
  );
}

async function introspection(ctx: BenchContext): Promise<ScenarioResult> {
  const token = await productAccessToken(ctx);
  const active = await postJson(
    `${ctx.product.baseUrl}/token/introspection`,
    productAuth(ctx.gatewayClient),
    `token=${token}`,
  );
  if (active.active !== true) throw new Error(`product introspection: token not active: ${JSON.stringify(active)}`);
  const refToken = (await postJson(`${ctx.engine.baseUrl}/token`, engineAuth(ctx.engine), CC_BODY))
    .access_token as string;
  const refActive = await postJson(
    `${ctx.engine.baseUrl}/token/introspection`,
    engineAuth(ctx.engine),
    `token=${refToken}`,
  );
  if (refActive.active !== true) throw new Error('reference introspection: token not active');
  const req = (t: string): autocannon.Request => ({ method: 'POST', path: '/token/introspection', body: `token=${t}` });
  const measured = await onProduct(ctx, () =>
    load(ctx, ctx.product.baseUrl, { ...productAuth(ctx.gatewayClient), 'content-type': FORM }, [req(token)]),
  );
  const ref = await load(ctx, ctx.engine.baseUrl, { ...engineAuth(ctx.engine), 'content-type': FORM }, [req(refToken)]);
  return result(
    'introspection',
    'POST /token/introspection of an active opaque access token (client_secret_basic)',
    measured,
    { name: 'bare oidc-provider', ...ref },
    ratioTarget(0.6, 'bare engine'),
  );
}

/**
 * Rotation chains: a request takes an unused refresh token from the shared pool and its response
 * puts the new one back, so every request presents a token never presented before. (autocannon
 * resets a connection's context after each sequence, so the pool is shared, not per connection;
 * with one token per connection it never runs dry unless a response fails, which is an error.)
 */
function refreshChain(pool: string[]): autocannon.Request {
  return {
    method: 'POST',
    path: '/token',
    setupRequest: (req) => {
      const token = pool.shift() ?? 'none-left';
      return { ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
    },
    onResponse: (status, body) => {
      if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
    },
  };
}

async function refreshRotation(ctx: BenchContext): Promise<ScenarioResult> {
  const notes: string[] = [];
  const chains = Math.min(ctx.cfg.connections, ctx.refreshTokens.length);
  if (chains < ctx.cfg.connections)
    notes.push(`${chains} connections (one per refresh token the consent flows left), not ${ctx.cfg.connections}`);
  const productTokens = ctx.refreshTokens.splice(0, chains);
  const measured = await onProduct(ctx, () =>
    runLoad({
      url: ctx.product.baseUrl,
      connections: chains,
      durationS: ctx.cfg.durationS,
      headers: { ...productAuth(ctx.webClient), 'content-type': FORM },
      requests: [refreshChain(productTokens)],
    }),
  );
  const ref = await runLoad({
    url: ctx.engine.baseUrl,
    connections: chains,
    durationS: ctx.cfg.durationS,
    headers: { ...engineAuth(ctx.engine), 'content-type': FORM },
    requests: [refreshChain(await ctx.engine.mintRefreshTokens(chains))],
  });
  return result(
    'refresh_rotation',
    'POST /token grant_type=refresh_token, rotation: each request presents the token the previous response issued',
    measured,
    { name: 'bare oidc-provider', ...ref },
    (r) => ({ text: '≥ 1000 req/s', met: r.rps >= 1000 }),
    notes,
  );
}

async function consentFlows(ctx: BenchContext): Promise<ScenarioResult> {
  const notes: string[] = [];
  const measured = await onProduct(ctx, async () => {
    const f = await runConsentFlows({
      baseUrl: ctx.product.baseUrl,
      client: ctx.webClient,
      admins: ctx.admins,
      loops: ctx.cfg.flowLoops,
      durationS: ctx.cfg.durationS,
    });
    ctx.refreshTokens.push(...f.refreshTokens);
    notes.push(`${ctx.cfg.flowLoops} concurrent browsers, ${ctx.admins.length} admins (one TOTP step each per flow)`);
    if (f.loopsOutOfCodes) notes.push(`${f.loopsOutOfCodes} loops ran out of unused TOTP steps before the end`);
    if (f.firstError) notes.push(`first failure: ${f.firstError}`);
    return {
      requests: f.flows + f.failures,
      rps: f.flows / f.durationS,
      p50Ms: f.p50Ms,
      p99Ms: f.p99Ms,
      non2xx: f.failures,
      socketErrors: 0,
      durationS: f.durationS,
    };
  });
  return result(
    'consent_flows',
    'code + PKCE: /auth, sign-in (password), TOTP, consent (approve), redirect, code exchange; new browser each',
    measured,
    null,
    (r) => ({ text: '≥ 25 flows/s', met: r.rps >= 25 }),
    notes,
    'flows/s',
  );
}

const GET_PATHS = ['/rest/V1/products/ABC%2F10', '/rest/V1/products?searchCriteria[pageSize]=10'];

async function gateway(ctx: BenchContext, method: 'GET' | 'PUT'): Promise<ScenarioResult> {
  const token = await productAccessToken(ctx);
  const requests: autocannon.Request[] =
    method === 'GET'
      ? GET_PATHS.map((path) => ({ method, path }))
      : [{ method, path: '/rest/V1/products/MB-01', body: JSON.stringify({ product: { price: 42 } }) }];
  const headers: Record<string, string> = method === 'PUT' ? { 'content-type': 'application/json' } : {};
  // Check once that both answer 200 before loading them.
  const checks: [string, Record<string, string>][] = [
    [ctx.product.baseUrl, { ...PRODUCT_HEADERS, authorization: `Bearer ${token}` }],
    [ctx.proxy.baseUrl, {}],
  ];
  for (const [base, h] of checks) {
    const r = requests[0]!;
    const res = await fetch(`${base}${r.path}`, { method, headers: { ...h, ...headers }, body: r.body as string });
    if (res.status !== 200) throw new Error(`${method} ${base}${r.path} answered ${res.status}: ${await res.text()}`);
  }
  const measured = await onProduct(ctx, () =>
    load(ctx, ctx.product.baseUrl, { ...PRODUCT_HEADERS, authorization: `Bearer ${token}`, ...headers }, requests),
  );
  const ref = await load(ctx, ctx.proxy.baseUrl, headers, requests);
  return result(
    method === 'GET' ? 'gateway_get' : 'gateway_put',
    method === 'GET'
      ? `GET ${GET_PATHS.join(' and ')} (alternating), bearer token, OAuth 1.0a-signed upstream`
      : 'PUT /rest/V1/products/MB-01 with a JSON body, bearer token, OAuth 1.0a-signed upstream',
    measured,
    { name: 'bare undici proxy', ...ref },
    method === 'GET' ? ratioTarget(0.6, 'bare proxy') : () => null,
  );
}

export const runScenario: Record<ScenarioName, (ctx: BenchContext) => Promise<ScenarioResult>> = {
  client_credentials: clientCredentials,
  introspection,
  consent_flows: consentFlows,
  refresh_rotation: refreshRotation,
  gateway_get: (ctx) => gateway(ctx, 'GET'),
  gateway_put: (ctx) => gateway(ctx, 'PUT'),
};

export const rssTarget = (mib: number | null): Target => ({
  text: `≤ ${RSS_TARGET_MIB} MiB`,
  met: mib !== null && mib <= RSS_TARGET_MIB,
});
