import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  codeFlow,
  discover,
  insecure,
  oauth,
  pageAdmin,
  postToken,
  publicApp,
  register,
  startOAuthServer,
  type RegisteredClient,
} from '../support/oauth-flows.js';

let s: TestServer;
let as: oauth.AuthorizationServer;
let app: RegisteredClient;

const userinfo = (token: string) => fetch(`${s.baseUrl}/me`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  app = await register(s, publicApp({ scopes: ['openid', 'catalog:read', 'offline_access'] }));
});
afterAll(async () => s?.close());

describe(`userinfo (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('openid without resource: an access token userinfo accepts (and the gateway refuses)', async () => {
    expect(as.userinfo_endpoint).toBe(`${s.baseUrl}/me`);
    const { tokens } = await codeFlow(s, as, app, { scope: 'openid offline_access' });
    expect(tokens.id_token).toBeTruthy();
    const res = await userinfo(tokens.access_token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: (await pageAdmin(s)).id });
    // Through oauth4webapi too, which checks sub against the ID token.
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    const info = await oauth.processUserInfoResponse(
      as,
      app.client,
      claims.sub,
      await oauth.userInfoRequest(as, app.client, tokens.access_token, insecure),
    );
    expect(info.sub).toBe(claims.sub);
    expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toBeNull();
    // Its refresh keeps the audience: userinfo again.
    const r = await postToken(s, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: app.clientId,
    });
    expect(r.status).toBe(200);
    expect((await userinfo(r.body.access_token as string)).status).toBe(200);
  });

  it('openid with API scopes: the API token (userinfo refuses it) and an ID token', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'openid catalog:read' });
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.scope).toBe('catalog:read');
    expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toMatchObject({
      clientId: app.clientId,
      scopes: ['catalog:read'],
    });
    const res = await userinfo(tokens.access_token);
    // oidc-provider: a token for another audience is insufficient_scope there.
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
  });
});
