import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import type { TestServer } from '../support/test-server.js';
import {
  basic,
  discover,
  insecure,
  oauth,
  postToken,
  publicApp,
  register,
  startOAuthServer,
  startSibling,
  type RegisteredClient,
} from '../support/oauth-flows.js';

let s: TestServer;
let as: oauth.AuthorizationServer;
let erp: RegisteredClient;

const backOffice = (over = {}) => ({
  name: 'ERP sync',
  type: 'confidential' as const,
  grantTypes: ['client_credentials'],
  scopes: ['catalog:read', 'orders:read'],
  ...over,
});

async function cc(rc: RegisteredClient, scope: string) {
  const res = await oauth.clientCredentialsGrantRequest(as, rc.client, rc.auth, { scope }, insecure);
  return oauth.processClientCredentialsResponse(as, rc.client, res);
}

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  erp = await register(s, backOffice());
});
afterAll(async () => s?.close());

describe(`client credentials (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('issues an opaque API token within the allowed scopes and no refresh token', async () => {
    const t = await cc(erp, 'catalog:read orders:read');
    expect(t.scope?.split(' ').sort()).toEqual(['catalog:read', 'orders:read']);
    expect(t.refresh_token).toBeUndefined();
    expect(t.expires_in).toBe(3600);
    expect(await s.runtime.accessTokenVerifier.verify(t.access_token)).toMatchObject({
      clientId: erp.clientId,
      grantId: null,
      format: 'opaque',
    });
  });

  it('invalid_scope for a scope the client may not use (and for openid / offline_access)', async () => {
    for (const scope of ['catalog:write', 'nonsense:scope', 'offline_access', 'openid', '']) {
      const r = await postToken(s, { grant_type: 'client_credentials', scope }, basic(erp.clientId, erp.secret!));
      expect(r.status, scope).toBe(400);
      expect(r.body.error, scope).toBe('invalid_scope');
    }
  });

  it('invalid_client (401 + WWW-Authenticate) for a wrong secret or unknown client', async () => {
    const wrong = await postToken(
      s,
      { grant_type: 'client_credentials', scope: 'catalog:read' },
      basic(erp.clientId, 'not-the-secret'),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    const unknown = await postToken(s, { grant_type: 'client_credentials' }, basic('c_nobody', 'x'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    // client_secret_post is accepted too, and fails the same way.
    const post = await postToken(s, {
      grant_type: 'client_credentials',
      client_id: erp.clientId,
      client_secret: 'nope',
    });
    expect(post.status).toBe(401);
    expect(post.body.error).toBe('invalid_client');
    expect(JSON.stringify(post.body)).not.toMatch(/stack|at \w+ \(/);
  });

  it('unauthorized_client, unsupported_grant_type, invalid_request', async () => {
    const web = await register(s, {
      name: 'web',
      type: 'confidential',
      redirectUris: ['https://x.example/cb'],
      scopes: ['catalog:read'],
      grantTypes: ['authorization_code'],
    });
    const r1 = await postToken(
      s,
      { grant_type: 'client_credentials', scope: 'catalog:read' },
      basic(web.clientId, web.secret!),
    );
    expect([r1.status, r1.body.error]).toEqual([400, 'unauthorized_client']);
    const r2 = await postToken(
      s,
      { grant_type: 'password', username: 'a', password: 'b' },
      basic(erp.clientId, erp.secret!),
    );
    expect([r2.status, r2.body.error]).toEqual([400, 'unsupported_grant_type']);
    const r3 = await postToken(s, {}, basic(erp.clientId, erp.secret!));
    expect([r3.status, r3.body.error]).toEqual([400, 'invalid_request']);
    const r4 = await postToken(
      s,
      { grant_type: 'client_credentials', scope: 'catalog:read', resource: 'https://elsewhere.example/api' },
      basic(erp.clientId, erp.secret!),
    );
    expect([r4.status, r4.body.error]).toEqual([400, 'invalid_target']);
  });

  it('public clients cannot be registered for client_credentials', async () => {
    await expect(register(s, publicApp({ grantTypes: ['client_credentials'] }))).rejects.toThrow(
      /public clients cannot use client_credentials/,
    );
  });

  it('JWT format: RFC 9068 at+jwt, audience = the API, verified by the gateway verifier', async () => {
    const rc = await register(s, backOffice({ tokenFormat: 'jwt', lifetimes: { clientCredentials: 600 } }));
    const t = await cc(rc, 'catalog:read');
    expect(decodeProtectedHeader(t.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    const claims = decodeJwt(t.access_token);
    expect(claims).toMatchObject({
      aud: `${s.baseUrl}/api`,
      client_id: rc.clientId,
      scope: 'catalog:read',
      iss: s.baseUrl,
    });
    expect(t.expires_in).toBe(600);
    expect(await s.runtime.accessTokenVerifier.verify(t.access_token)).toMatchObject({
      clientId: rc.clientId,
      scopes: ['catalog:read'],
      format: 'jwt',
    });
    // Tampered → refused.
    expect(await s.runtime.accessTokenVerifier.verify(t.access_token.slice(0, -4) + 'AAAA')).toBeNull();
  });

  it('secret rotation: both secrets work during the overlap, then only the new one', async () => {
    const rc = await register(s, backOffice());
    const oldSecret = rc.secret!;
    const { clientSecret: newSecret } = await s.runtime.clients.rotateSecret(rc.clientId, 'test');
    expect(newSecret).not.toBe(oldSecret);
    for (const secret of [oldSecret, newSecret]) {
      expect(
        (await postToken(s, { grant_type: 'client_credentials', scope: 'catalog:read' }, basic(rc.clientId, secret)))
          .status,
      ).toBe(200);
    }
    s.clock.advance(24 * 3600 * 1000 + 1000);
    const old = await postToken(
      s,
      { grant_type: 'client_credentials', scope: 'catalog:read' },
      basic(rc.clientId, oldSecret),
    );
    expect([old.status, old.body.error]).toEqual([401, 'invalid_client']);
    expect(
      (await postToken(s, { grant_type: 'client_credentials', scope: 'catalog:read' }, basic(rc.clientId, newSecret)))
        .status,
    ).toBe(200);
    const rows = await s.testDb.db('oauth_clients').where({ client_id: rc.clientId });
    expect(JSON.stringify(rows)).not.toContain(newSecret);
  });

  it('disabled client (changed by another instance): invalid_client and its tokens refused within 5 s', async () => {
    const rc = await register(s, backOffice());
    const t = await cc(rc, 'catalog:read');
    const jwtClient = await register(s, backOffice({ tokenFormat: 'jwt' }));
    const jt = await cc(jwtClient, 'catalog:read');
    // Straight in the table, as the CLI or another instance would: this process only learns from its cache expiring.
    await s.testDb
      .db('oauth_clients')
      .whereIn('client_id', [rc.clientId, jwtClient.clientId])
      .update({ enabled: false });
    s.clock.advance(5000);
    const r = await postToken(
      s,
      { grant_type: 'client_credentials', scope: 'catalog:read' },
      basic(rc.clientId, rc.secret!),
    );
    expect([r.status, r.body.error]).toEqual([401, 'invalid_client']);
    expect(await s.runtime.accessTokenVerifier.verify(t.access_token)).toBeNull();
    expect(await s.runtime.accessTokenVerifier.verify(jt.access_token)).toBeNull();
    const intro = await oauth.processIntrospectionResponse(
      as,
      erp.client,
      await oauth.introspectionRequest(as, erp.client, erp.auth, t.access_token, insecure),
    );
    expect(intro.active).toBe(false);
    const introJwt = await oauth.processIntrospectionResponse(
      as,
      erp.client,
      await oauth.introspectionRequest(as, erp.client, erp.auth, jt.access_token, insecure),
    );
    expect(introJwt.active).toBe(false);
    // Enabled again: works again.
    await s.runtime.clients.setEnabled(rc.clientId, true, 'test');
    expect(
      (await postToken(s, { grant_type: 'client_credentials', scope: 'catalog:read' }, basic(rc.clientId, rc.secret!)))
        .status,
    ).toBe(200);
  });

  it('two instances on one database: a client disabled on one is refused by the other within 5 s', async () => {
    const other = await startSibling(s);
    try {
      const rc = await register(s, backOffice());
      const form = { grant_type: 'client_credentials', scope: 'catalog:read' };
      const viaOther = async () =>
        (
          await fetch(`${other.baseUrl}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(rc.clientId, rc.secret!) },
            body: new URLSearchParams(form),
          })
        ).status;
      expect(await viaOther()).toBe(200);
      const t = await cc(rc, 'catalog:read');
      await s.runtime.clients.setEnabled(rc.clientId, false, 'test');
      other.clock.advance(5000);
      expect(await viaOther()).toBe(401);
      expect(await other.runtime.accessTokenVerifier.verify(t.access_token)).toBeNull();
    } finally {
      await other.close();
    }
  });

  it('private_key_jwt client authentication with a registered public JWKS', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const { client } = await s.runtime.clients.create(
      backOffice({ authMethod: 'private_key_jwt', jwks: { keys: [jwk] } }),
    );
    const c: oauth.Client = { client_id: client.clientId };
    const auth = oauth.PrivateKeyJwt({ key: privateKey, kid: 'k1' });
    const res = await oauth.clientCredentialsGrantRequest(as, c, auth, { scope: 'orders:read' }, insecure);
    const t = await oauth.processClientCredentialsResponse(as, c, res);
    expect(t.scope).toBe('orders:read');
    // A secret does not authenticate this client.
    const r = await postToken(s, { grant_type: 'client_credentials' }, basic(client.clientId, 'guess'));
    expect(r.status).toBe(401);
  });

  it('discovery advertises no symmetric client auth and serves RFC 8414 metadata', async () => {
    const oidc = (await s.request.get('/.well-known/openid-configuration').expect(200)).body;
    const rfc8414 = (await s.request.get('/.well-known/oauth-authorization-server').expect(200)).body;
    expect(rfc8414.issuer).toBe(s.baseUrl);
    expect(rfc8414.token_endpoint).toBe(oidc.token_endpoint);
    expect(oidc.token_endpoint_auth_methods_supported).not.toContain('client_secret_jwt');
    expect(oidc.token_endpoint_auth_signing_alg_values_supported ?? []).not.toContain('HS256');
    expect(oidc.response_types_supported).toEqual(['code']);
    expect(oidc.code_challenge_methods_supported).toEqual(['S256']);
    expect(oidc.introspection_endpoint).toBe(`${s.baseUrl}/token/introspection`);
    expect(oidc.revocation_endpoint).toBe(`${s.baseUrl}/token/revocation`);
  });
});
