import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { codeFlow, discover, insecure, oauth, postToken, publicApp, register, startOAuthServer, startSibling, webApp, WEB_REDIRECT, basic, type RegisteredClient } from './oauth-test-kit.js';

let s: TestServer;
let as: oauth.AuthorizationServer;
let app: RegisteredClient;
let introspector: RegisteredClient;

async function refresh(rc: RegisteredClient, refreshToken: string) {
  const res = await oauth.refreshTokenGrantRequest(as, rc.client, rc.auth, refreshToken, insecure);
  return oauth.processRefreshTokenResponse(as, rc.client, res);
}
const rawRefresh = (rc: RegisteredClient, refreshToken: string) =>
  postToken(s, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: rc.clientId });
const active = async (token: string) =>
  (await oauth.processIntrospectionResponse(as, introspector.client, await oauth.introspectionRequest(as, introspector.client, introspector.auth, token, insecure))).active;

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  app = await register(s, publicApp());
  introspector = await register(s, { name: 'API', type: 'confidential', grantTypes: ['client_credentials'], scopes: ['catalog:read'] });
});
afterAll(async () => s?.close());

describe(`refresh tokens (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('public client: every refresh rotates the refresh token', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const r1 = await refresh(app, tokens.refresh_token!);
    expect(r1.refresh_token).toBeTruthy();
    expect(r1.refresh_token).not.toBe(tokens.refresh_token);
    expect(r1.scope).toBe('catalog:read');
    const r2 = await refresh(app, r1.refresh_token!);
    expect(r2.refresh_token).not.toBe(r1.refresh_token);
    expect(await s.runtime.accessTokenVerifier.verify(r2.access_token)).toMatchObject({ clientId: app.clientId, scopes: ['catalog:read'] });
  });

  it('reuse within the grace window: invalid_grant, but the grant and the new tokens stay alive', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const r1 = await refresh(app, tokens.refresh_token!);
    s.clock.advance(5000);
    const replay = await rawRefresh(app, tokens.refresh_token!);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect(await active(r1.access_token)).toBe(true);
    const r2 = await refresh(app, r1.refresh_token!);
    expect(r2.access_token).toBeTruthy();
    const audit = await s.runtime.audit.list({ type: 'token.refresh_reuse', clientId: app.clientId });
    expect(audit[0]?.details).toMatchObject({ withinGrace: true, grantRevoked: false });
  });

  it('reuse after the grace window revokes the whole grant', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const r1 = await refresh(app, tokens.refresh_token!);
    const grantId = (await s.runtime.accessTokenVerifier.verify(r1.access_token))!.grantId!;
    s.clock.advance(11_000);
    const replay = await rawRefresh(app, tokens.refresh_token!);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    // Everything from that grant is dead: the rotated refresh token, the access tokens.
    const next = await rawRefresh(app, r1.refresh_token!);
    expect([next.status, next.body.error]).toEqual([400, 'invalid_grant']);
    expect(await active(r1.access_token)).toBe(false);
    expect(await active(tokens.access_token)).toBe(false);
    expect(await s.runtime.accessTokenVerifier.verify(r1.access_token)).toBeNull();
    const revoked = await s.runtime.audit.list({ type: 'grant.revoked' });
    expect(revoked.some((e) => e.grantId === grantId)).toBe(true);
    const reuse = await s.runtime.audit.list({ type: 'token.refresh_reuse', clientId: app.clientId });
    expect(reuse[0]?.details).toMatchObject({ withinGrace: false, grantRevoked: true });
  });

  it('parallel refreshes with one token: exactly one wins, the grant survives', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const results = await Promise.all(Array.from({ length: 8 }, () => rawRefresh(app, tokens.refresh_token!)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    const winner = ok[0]!.body.refresh_token as string;
    expect((await rawRefresh(app, winner)).status).toBe(200);
  });

  it('confidential client without rotation keeps its refresh token (REFRESH_ROTATION_CONFIDENTIAL=false)', async () => {
    const s2 = await startSibling(s, { REFRESH_ROTATION_CONFIDENTIAL: 'false' });
    try {
      const as2 = await discover(s2);
      const web = await register(s2, webApp());
      const { tokens } = await codeFlow(s2, as2, web, { scope: 'catalog:read offline_access', redirectUri: WEB_REDIRECT });
      for (let i = 0; i < 2; i++) {
        const res = await oauth.refreshTokenGrantRequest(as2, web.client, web.auth, tokens.refresh_token!, insecure);
        const r = await oauth.processRefreshTokenResponse(as2, web.client, res);
        expect(r.refresh_token).toBe(tokens.refresh_token);
      }
      // Another client cannot use it.
      const other = await register(s2, webApp());
      const stolen = await fetch(`${s2.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(other.clientId, other.secret!) },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
      });
      expect(stolen.status).toBe(400);
      expect((await stolen.json()).error).toBe('invalid_grant');
    } finally {
      await s2.close();
    }
  });

  it('absolute lifetime cap: the refresh token never outlives iiat + cap, rotation or not', async () => {
    const capped = await register(s, publicApp({ lifetimes: { refreshToken: 3600, refreshTokenAbsolute: 120 } }));
    const { tokens } = await codeFlow(s, as, capped, { scope: 'catalog:read offline_access' });
    const intro = await oauth.processIntrospectionResponse(as, introspector.client, await oauth.introspectionRequest(as, introspector.client, introspector.auth, tokens.refresh_token!, insecure));
    expect(intro.active).toBe(true);
    expect(intro.exp! - intro.iat!).toBeLessThanOrEqual(120);
    s.clock.advance(60_000);
    const r1 = await refresh(capped, tokens.refresh_token!);
    s.clock.advance(61_000);
    const late = await rawRefresh(capped, r1.refresh_token!);
    expect([late.status, late.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('invalid_scope when asking a refresh for more than was granted', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const r = await postToken(s, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: app.clientId, scope: 'orders:read' });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_scope']);
    const bad = await rawRefresh(app, 'not-a-refresh-token');
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_grant']);
  });
});
