import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import type { TestServer } from '../support/test-server.js';
import {
  discover,
  insecure,
  oauth,
  postToken,
  register,
  startOAuthServer,
  startSibling,
  basic,
  type RegisteredClient,
} from '../support/oauth-flows.js';
import type { ClientInput } from '../../src/clients/validate-client-input.js';
import { linkToEmulator } from '../support/linked-client.js';

type Emulator = Awaited<ReturnType<typeof startMagentoEmulator>>;
let emu: Emulator;
let s: TestServer;
let as: oauth.AuthorizationServer;
let keys: CryptoKeyPair;
let publicJwk: JWK;
let dpop: oauth.DPoPHandle;

const PRODUCT = '/rest/V1/products/ABC%2F10';
const lastVerdict = () => emu.verdicts[emu.verdicts.length - 1]!;
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

const linkTo = (clientId: string) => linkToEmulator(s, emu, clientId);

const erp = (over: ClientInput = {}): ClientInput => ({
  name: 'ERP sync',
  type: 'confidential',
  grantTypes: ['client_credentials'],
  scopes: ['catalog:read', 'catalog:write'],
  ...over,
});

async function linkedClient(over: ClientInput = {}): Promise<RegisteredClient> {
  const rc = await register(s, erp(over));
  await linkTo(rc.clientId);
  return rc;
}

/** Client credentials through oauth4webapi, with a DPoP proof when `handle` is given. */
async function ccToken(
  rc: RegisteredClient,
  scope = 'catalog:read catalog:write',
  handle: oauth.DPoPHandle | null = dpop,
) {
  const res = await oauth.clientCredentialsGrantRequest(
    as,
    rc.client,
    rc.auth,
    { scope },
    { ...insecure, ...(handle ? { DPoP: handle } : {}) },
  );
  return oauth.processClientCredentialsResponse(as, rc.client, res);
}

/** A proof made by hand, so each claim can be wrong on purpose; defaults make a valid one. */
async function proof(
  token: string,
  over: {
    htm?: string;
    htu?: string;
    iat?: number;
    jti?: string;
    ath?: string | null;
    typ?: string;
    key?: CryptoKeyPair;
    jwk?: JWK;
  } = {},
) {
  const key = over.key ?? keys;
  const jwk = over.jwk ?? (over.key ? await exportJWK(over.key.publicKey) : publicJwk);
  const claims: Record<string, unknown> = {
    htm: over.htm ?? 'GET',
    htu: over.htu ?? `${s.baseUrl}${PRODUCT}`,
    jti: over.jti ?? randomUUID(),
  };
  if (over.ath !== null) claims.ath = over.ath ?? sha256(token);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: over.typ ?? 'dpop+jwt', jwk })
    .setIssuedAt(over.iat ?? Math.floor(s.clock.now() / 1000))
    .sign(key.privateKey);
}

const callDpop = (token: string, p: string, path = PRODUCT) =>
  s.request.get(path).set('Authorization', `DPoP ${token}`).set('DPoP', p);

function expectDpopError(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  error: string,
  message: RegExp,
) {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(
    new RegExp(`^DPoP error="${error}", error_description="[^"]+", algs="ES256 EdDSA Ed25519"$`),
  );
  expect(res.body).toMatchObject({ error, message: expect.stringMatching(message) });
  expect(res.headers['x-bridge-source']).toBe('bridge');
}

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startOAuthServer({ MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE });
  as = await discover(s);
  keys = await oauth.generateKeyPair('ES256');
  publicJwk = await exportJWK(keys.publicKey);
  dpop = oauth.DPoP({}, keys);
});
afterAll(async () => {
  await s?.close();
  await emu?.close();
});

describe(`DPoP at the gateway (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('discovery advertises DPoP and PAR', () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'Ed25519']);
    expect(as.pushed_authorization_request_endpoint).toBe(`${s.baseUrl}/request`);
  });

  it(
    'client credentials with a proof → DPoP-bound token; oauth4webapi calls the gateway with DPoP → ' +
      'Magento answers',
    async () => {
      const rc = await linkedClient();
      const tokens = await ccToken(rc);
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      const verified = await s.runtime.accessTokenVerifier.verify(tokens.access_token);
      expect(verified).toMatchObject({
        clientId: rc.clientId,
        format: 'opaque',
        jkt: await calculateJwkThumbprint(publicJwk),
      });

      // The gateway checks iat on the server's (fake) clock: a client in step with it.
      const gatewayDpop = oauth.DPoP({ [oauth.clockSkew]: Math.round((s.clock.now() - Date.now()) / 1000) }, keys);
      const res = await oauth.protectedResourceRequest(
        tokens.access_token,
        'GET',
        new URL(`${s.baseUrl}${PRODUCT}?fields=sku`),
        undefined,
        undefined,
        { DPoP: gatewayDpop, ...insecure },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-bridge-source')).toBe('upstream');
      expect((await res.json()).sku).toBe('ABC/10');
      expect(lastVerdict()).toMatchObject({ ok: true, method: 'GET', path: `${PRODUCT}?fields=sku` });

      // A write: htm PUT, with a JSON body.
      const put = await oauth.protectedResourceRequest(
        tokens.access_token,
        'PUT',
        new URL(`${s.baseUrl}${PRODUCT}`),
        new Headers({ 'content-type': 'application/json' }),
        JSON.stringify({ product: { sku: 'ABC/10', name: 'Renamed with DPoP' } }),
        { DPoP: gatewayDpop, ...insecure },
      );
      expect(put.status).toBe(200);
      expect((await put.json()).name).toBe('Renamed with DPoP');
      expect(lastVerdict()).toMatchObject({ ok: true, method: 'PUT' });
    },
  );

  it('JWT access tokens carry cnf.jkt; the gateway and introspection honour it', async () => {
    const rc = await linkedClient({ tokenFormat: 'jwt' });
    const tokens = await ccToken(rc);
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(publicJwk) });
    expect((await callDpop(tokens.access_token, await proof(tokens.access_token))).status).toBe(200);
    expect(lastVerdict().ok).toBe(true);
    const asBearer = await s.request.get(PRODUCT).set('Authorization', `Bearer ${tokens.access_token}`);
    expectDpopError(asBearer, 'invalid_token', /DPoP-bound/);
    const intro = await s.request
      .post('/token/introspection')
      .set(basic(rc.clientId, rc.secret!))
      .type('form')
      .send({ token: tokens.access_token });
    expect(intro.body).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: await calculateJwkThumbprint(publicJwk) },
    });
  });

  it('a DPoP-bound token presented as Bearer is refused (the binding is not thrown away)', async () => {
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    const before = emu.verdicts.length;
    const res = await s.request.get(PRODUCT).set('Authorization', `Bearer ${token}`);
    expectDpopError(res, 'invalid_token', /DPoP-bound/);
    // Even with a valid proof next to it.
    expectDpopError(
      await s.request
        .get(PRODUCT)
        .set('Authorization', `Bearer ${token}`)
        .set('DPoP', await proof(token)),
      'invalid_token',
      /DPoP-bound/,
    );
    expect(emu.verdicts.length).toBe(before);
    await new Promise((r) => setTimeout(r, 50));
    const audit = await s.testDb.db('audit_events').where({ type: 'gateway.denied', client_id: rc.clientId });
    expect(audit.map((a: { details: { reason: string } }) => a.details.reason)).toEqual([
      'dpop_bound_as_bearer',
      'dpop_bound_as_bearer',
    ]);
  });

  it('DPoP scheme without a proof, or with an unbound token → 401', async () => {
    const rc = await linkedClient();
    const { access_token: bound } = await ccToken(rc);
    expectDpopError(
      await s.request.get(PRODUCT).set('Authorization', `DPoP ${bound}`),
      'invalid_dpop_proof',
      /needs a DPoP proof/,
    );
    const { access_token: plain, token_type } = await ccToken(rc, 'catalog:read', null);
    expect(token_type.toLowerCase()).toBe('bearer');
    expectDpopError(await callDpop(plain, await proof(plain)), 'invalid_token', /not DPoP-bound/);
    expectDpopError(
      await callDpop('x'.repeat(43), await proof('x'.repeat(43))),
      'invalid_token',
      /invalid, expired or revoked/,
    );
    // Unbound tokens still work as Bearer (the client does not require DPoP).
    expect((await s.request.get(PRODUCT).set('Authorization', `Bearer ${plain}`)).status).toBe(200);
  });

  it('GraphQL over DPoP (htm POST, htu /graphql); a scope refusal answers with a DPoP challenge', async () => {
    const rc = await linkedClient({ scopes: ['catalog:read', 'graphql:read'] });
    const { access_token: token } = await ccToken(rc, 'catalog:read graphql:read');
    const gql = await s.request
      .post('/graphql')
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await proof(token, { htm: 'POST', htu: `${s.baseUrl}/graphql` }))
      .send({ query: '{ products(search: "x") { total_count } }' });
    expect(gql.status, JSON.stringify(gql.body)).toBe(200);
    expect(lastVerdict()).toMatchObject({ ok: true, method: 'POST', path: '/graphql' });
    const put = await s.request
      .put(PRODUCT)
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await proof(token, { htm: 'PUT' }))
      .send({ product: { name: 'x' } });
    expect(put.status).toBe(403);
    expect(put.headers['www-authenticate']).toBe(
      'DPoP error="insufficient_scope", scope="catalog:write", algs="ES256 EdDSA Ed25519"',
    );
    expect(put.body).toMatchObject({ error: 'insufficient_scope', scope_needed: 'catalog:write' });
  });

  it('missing token: both challenges, Bearer and DPoP', async () => {
    const res = await s.request.get(PRODUCT);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="magento", error="invalid_token", error_description="[^"]+", DPoP algs="ES256 EdDSA Ed25519"$/,
    );
  });

  it('each bad proof → 401 invalid_dpop_proof, nothing reaches Magento', async () => {
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    const { access_token: other } = await ccToken(rc);
    const now = Math.floor(s.clock.now() / 1000);
    const otherKey = await generateKeyPair('ES256');
    const hs = await new SignJWT({ htm: 'GET', htu: `${s.baseUrl}${PRODUCT}`, jti: randomUUID(), ath: sha256(token) })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: publicJwk })
      .setIssuedAt()
      .sign(new Uint8Array(32));
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const cases: [string, string, RegExp][] = [
      ['wrong htu (another path)', await proof(token, { htu: `${s.baseUrl}/rest/V1/products/OTHER` }), /htu/],
      [
        'wrong htu (the Host, not the public URL)',
        await proof(token, { htu: `http://localhost:${new URL(s.baseUrl).port}${PRODUCT}` }),
        /htu/,
      ],
      ['wrong htm', await proof(token, { htm: 'POST' }), /htm/],
      ['old iat', await proof(token, { iat: now - 61 }), /iat/],
      ['iat in the future', await proof(token, { iat: now + 61 }), /iat/],
      ['wrong ath (another token)', await proof(token, { ath: sha256(other) }), /ath/],
      ['no ath', await proof(token, { ath: null }), /ath/],
      ['signed by another key', await proof(token, { key: otherKey }), /not the key the access token is bound to/],
      [
        'jwk of another key than the signature',
        await proof(token, { jwk: await exportJWK(otherKey.publicKey) }),
        /signature or claims/,
      ],
      ['typ JWT', await proof(token, { typ: 'JWT' }), /typ/],
      ['symmetric alg', hs, /signed with one of/],
      ['private key in jwk', await proof(token, { jwk: privateJwk }), /public key/],
      ['not a JWS', 'not-a-jws', /compact JWS/],
    ];
    const before = emu.verdicts.length;
    for (const [name, p, message] of cases) {
      const res = await callDpop(token, p);
      expect(res.status, name).toBe(401);
      expect(res.body.message, name).toMatch(message);
      expectDpopError(res, 'invalid_dpop_proof', message);
    }
    // Two DPoP headers (Node joins repeated headers with ", ").
    const twice = await s.request
      .get(PRODUCT)
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', `${await proof(token)}, ${await proof(token)}`);
    expectDpopError(twice, 'invalid_dpop_proof', /one compact JWS/);
    expect(emu.verdicts.length).toBe(before);
    // The same token with a good proof still works: nothing above used it up.
    expect((await callDpop(token, await proof(token))).status).toBe(200);
  });

  it('htu is compared after normalisation, without query and fragment', async () => {
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    const u = new URL(s.baseUrl);
    const variants = [
      `${s.baseUrl}${PRODUCT}?searchCriteria=1#frag`,
      `HTTP://${u.host}${PRODUCT}`,
      `${s.baseUrl}/rest/V1/products/ABC%2f10`,
      `${s.baseUrl}/rest/V1/./products/ABC%2F10`,
    ];
    for (const htu of variants) expect((await callDpop(token, await proof(token, { htu }))).status, htu).toBe(200);
  });

  it('iat window uses the server clock (DPOP_PROOF_MAX_AGE_S, default 60 s)', async () => {
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    const p = await proof(token);
    s.clock.advance(61_000);
    try {
      expectDpopError(await callDpop(token, p), 'invalid_dpop_proof', /iat/);
      expect((await callDpop(token, await proof(token))).status).toBe(200);
    } finally {
      s.clock.advance(-61_000);
    }
  });

  it('a proof is good once: a replayed jti is refused', async () => {
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    const p = await proof(token);
    expect((await callDpop(token, p)).status).toBe(200);
    const before = emu.verdicts.length;
    expectDpopError(await callDpop(token, p), 'invalid_dpop_proof', /already used/);
    // A new proof reusing the jti is a replay too.
    const jti = randomUUID();
    expect((await callDpop(token, await proof(token, { jti }))).status).toBe(200);
    expectDpopError(await callDpop(token, await proof(token, { jti })), 'invalid_dpop_proof', /already used/);
    expect(emu.verdicts.length).toBe(before + 1);
  });

  it('the replay cache is shared: the same proof sent to a second instance is refused', async () => {
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    // Same public URL (ISSUER) for both, as behind one load balancer.
    const sibling = await startSibling(s, {
      ISSUER: s.baseUrl,
      MAGENTO_BASE_URL: emu.storeBaseUrl,
      ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE,
    });
    try {
      const p = await proof(token);
      expect((await callDpop(token, p)).status).toBe(200);
      const again = await sibling.request.get(PRODUCT).set('Authorization', `DPoP ${token}`).set('DPoP', p);
      expectDpopError(again, 'invalid_dpop_proof', /already used/);
      // A fresh proof passes on the sibling (its own clock: keep it in step).
      sibling.clock.set(s.clock.now());
      expect(
        (
          await sibling.request
            .get(PRODUCT)
            .set('Authorization', `DPoP ${token}`)
            .set('DPoP', await proof(token))
        ).status,
      ).toBe(200);
    } finally {
      await sibling.close();
    }
  });

  it('expired replay rows are purged', async () => {
    const db = s.testDb.db;
    await db('dpop_proof_replays').insert({ key: 'stale-test-row', expires_at: new Date(s.clock.now() - 1000) });
    const rc = await linkedClient();
    const { access_token: token } = await ccToken(rc);
    s.clock.advance(130_000); // past the purge interval, whenever the last purge ran
    try {
      expect((await callDpop(token, await proof(token))).status).toBe(200);
    } finally {
      s.clock.advance(-130_000);
    }
    expect(await db('dpop_proof_replays').where({ key: 'stale-test-row' })).toHaveLength(0);
    expect(Number((await db('dpop_proof_replays').count({ n: '*' }))[0]!.n)).toBeGreaterThan(0);
  });
});

describe('clients that require DPoP', () => {
  it('the token endpoint wants a proof; with one, the gateway call passes', async () => {
    const rc = await linkedClient({ requireDpop: true });
    const res = await postToken(
      s,
      { grant_type: 'client_credentials', scope: 'catalog:read' },
      basic(rc.clientId, rc.secret!),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: expect.stringMatching(/DPoP proof/),
    });
    const tokens = await ccToken(rc, 'catalog:read');
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect((await callDpop(tokens.access_token, await proof(tokens.access_token))).status).toBe(200);
  });

  it('Bearer tokens issued before the client was switched to require DPoP are refused at the gateway', async () => {
    const rc = await linkedClient();
    const { access_token: plain } = await ccToken(rc, 'catalog:read', null);
    expect((await s.request.get(PRODUCT).set('Authorization', `Bearer ${plain}`)).status).toBe(200);
    await s.runtime.clients.update(rc.clientId, { requireDpop: true });
    try {
      expectDpopError(
        await s.request.get(PRODUCT).set('Authorization', `Bearer ${plain}`),
        'invalid_token',
        /must use DPoP-bound/,
      );
    } finally {
      s.clock.advance(-3_100);
    }
  });
});
