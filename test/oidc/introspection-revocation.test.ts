import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  codeFlow,
  discover,
  insecure,
  oauth,
  pageAdmin,
  publicApp,
  register,
  startOAuthServer,
  type RegisteredClient,
} from '../support/oauth-flows.js';

let s: TestServer;
let as: oauth.AuthorizationServer;
let api: RegisteredClient;
let app: RegisteredClient;

const introspect = async (token: string, rc = api) =>
  oauth.processIntrospectionResponse(
    as,
    rc.client,
    await oauth.introspectionRequest(as, rc.client, rc.auth, token, insecure),
  );
const revoke = async (token: string, rc: RegisteredClient, hint?: string) =>
  oauth.processRevocationResponse(
    await oauth.revocationRequest(as, rc.client, rc.auth, token, {
      ...insecure,
      ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}),
    }),
  );

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  api = await register(s, {
    name: 'Resource server',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['stores:read'],
  });
  app = await register(s, publicApp());
});
afterAll(async () => s?.close());

describe(
  `introspection (RFC 7662) and revocation (RFC 7009) ` + `(${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`,
  () => {
    it('introspection returns active, scope, client_id, sub, exp, iat, aud', async () => {
      const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read orders:read offline_access' });
      const r = await introspect(tokens.access_token);
      expect(r).toMatchObject({
        active: true,
        client_id: app.clientId,
        sub: (await pageAdmin(s)).id,
        aud: `${s.baseUrl}/api`,
        token_type: 'Bearer',
      });
      expect(r.scope!.split(' ').sort()).toEqual(['catalog:read', 'orders:read']);
      expect(r.exp! - r.iat!).toBe(3600);
      const rt = await introspect(tokens.refresh_token!);
      expect(rt).toMatchObject({ active: true, client_id: app.clientId });
      expect(await introspect('garbage')).toEqual({ active: false });
    });

    it('public clients may not introspect (invalid_client)', async () => {
      const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read' });
      const res = await fetch(as.introspection_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.access_token, client_id: app.clientId }),
      });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe('invalid_client');
    });

    it(
      'revoking an access token makes it inactive at once (oidc-provider also drops the tokens issued ' +
        'with it, RFC 7009 §2.1 allows it)',
      async () => {
        const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
        await revoke(tokens.access_token, app, 'access_token');
        expect((await introspect(tokens.access_token)).active).toBe(false);
        expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toBeNull();
        expect((await introspect(tokens.refresh_token!)).active).toBe(false);
        expect((await s.runtime.audit.list({ type: 'token.revoked' })).length).toBeGreaterThan(0);
      },
    );

    it('revoking a refresh token revokes the grant and every token from it', async () => {
      const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
      await revoke(tokens.refresh_token!, app);
      expect((await introspect(tokens.refresh_token!)).active).toBe(false);
      expect((await introspect(tokens.access_token)).active).toBe(false);
    });

    it("a client cannot revoke another client's token; unknown tokens are fine (200)", async () => {
      const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read' });
      const other = await register(s, publicApp());
      await revoke(tokens.access_token, other);
      expect((await introspect(tokens.access_token)).active).toBe(true);
      await revoke('no-such-token', app);
    });

    it('JWT access tokens: introspection answers from the verifier (inactive once the grant is gone)', async () => {
      const jwtApp = await register(s, publicApp({ tokenFormat: 'jwt' }));
      const { tokens } = await codeFlow(s, as, jwtApp, { scope: 'catalog:read offline_access' });
      const r = await introspect(tokens.access_token);
      expect(r).toMatchObject({
        active: true,
        client_id: jwtApp.clientId,
        scope: 'catalog:read',
        sub: (await pageAdmin(s)).id,
        aud: `${s.baseUrl}/api`,
      });
      // RFC 7009 lets a server refuse to revoke a self-contained token: unsupported_token_type.
      const res = await oauth.revocationRequest(as, jwtApp.client, jwtApp.auth, tokens.access_token, insecure);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe('unsupported_token_type');
      await revoke(tokens.refresh_token!, jwtApp);
      s.clock.advance(5000);
      expect((await introspect(tokens.access_token)).active).toBe(false);
    });

    it('a disabled client cannot introspect or revoke', async () => {
      const rs = await register(s, {
        name: 'RS2',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['stores:read'],
      });
      await s.runtime.clients.setEnabled(rs.clientId, false, 'test');
      const res = await oauth.introspectionRequest(as, rs.client, rs.auth, 'x', insecure);
      expect(res.status).toBe(401);
      const rev = await oauth.revocationRequest(as, rs.client, rs.auth, 'x', insecure);
      expect(rev.status).toBe(401);
    });
  },
);
