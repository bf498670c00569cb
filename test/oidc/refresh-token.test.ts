import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { hashId } from '../../src/oidc/postgres-adapter.js';
import {
  codeFlow,
  discover,
  insecure,
  oauth,
  postToken,
  publicApp,
  register,
  startOAuthServer,
  startSibling,
  webApp,
  WEB_REDIRECT,
  basic,
  type RegisteredClient,
} from '../support/oauth-flows.js';

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
const liveRefreshRows = async (grantId: string): Promise<string[]> =>
  (
    await s.testDb
      .db('oidc_payloads')
      .where({ model: 'RefreshToken', grant_id: grantId })
      .whereNull('consumed_at')
      .select('id')
  ).map((r: { id: string }) => r.id);
const active = async (token: string) =>
  (
    await oauth.processIntrospectionResponse(
      as,
      introspector.client,
      await oauth.introspectionRequest(as, introspector.client, introspector.auth, token, insecure),
    )
  ).active;

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  app = await register(s, publicApp());
  introspector = await register(s, {
    name: 'API',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['catalog:read'],
  });
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
    expect(await s.runtime.accessTokenVerifier.verify(r2.access_token)).toMatchObject({
      clientId: app.clientId,
      scopes: ['catalog:read'],
    });
  });

  it(
    'reuse within the grace window (a lost response): a valid successor, and still one live refresh ' + 'token',
    async () => {
      const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
      const grantId = (await s.runtime.accessTokenVerifier.verify(tokens.access_token))!.grantId!;
      const r1 = await refresh(app, tokens.refresh_token!); // its response "lost"
      s.clock.advance(5000);
      const replay = await rawRefresh(app, tokens.refresh_token!);
      expect(replay.status).toBe(200);
      const r2 = {
        access_token: replay.body.access_token as string,
        refresh_token: replay.body.refresh_token as string,
      };
      expect(replay.body.scope).toBe('catalog:read');
      expect(r2.refresh_token).toBeTruthy();
      expect(new Set([tokens.refresh_token, r1.refresh_token, r2.refresh_token]).size).toBe(3);
      expect(await s.runtime.accessTokenVerifier.verify(r2.access_token)).toMatchObject({
        clientId: app.clientId,
        grantId,
        scopes: ['catalog:read'],
      });
      // The successor the lost response carried is spent; the chain goes on from the replay's token.
      expect(await liveRefreshRows(grantId)).toEqual([hashId(r2.refresh_token)]);
      expect(await active(r1.refresh_token!)).toBe(false);
      s.clock.advance(60_000);
      const r3 = await refresh(app, r2.refresh_token);
      expect(r3.refresh_token).toBeTruthy();
      expect(await liveRefreshRows(grantId)).toEqual([hashId(r3.refresh_token!)]);
      const audit = await s.runtime.audit.list({ type: 'token.refresh_reuse', clientId: app.clientId });
      expect(audit[0]).toMatchObject({
        grantId,
        details: { withinGrace: true, grantRevoked: false, successorIssued: true },
      });
      expect((await s.runtime.audit.list({ type: 'grant.revoked' })).some((e) => e.grantId === grantId)).toBe(false);
    },
  );

  it('reuse within grace after the grant was revoked: invalid_grant, nothing issued', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const r1 = await refresh(app, tokens.refresh_token!);
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, app.client, app.auth, r1.refresh_token!, insecure),
    );
    const replay = await rawRefresh(app, tokens.refresh_token!);
    expect([replay.status, replay.body.error, replay.body.access_token]).toEqual([400, 'invalid_grant', undefined]);
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

  it('parallel refreshes with one token (all within grace): the chain never forks, the grant survives', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const grantId = (await s.runtime.accessTokenVerifier.verify(tokens.access_token))!.grantId!;
    const results = await Promise.all(Array.from({ length: 8 }, () => rawRefresh(app, tokens.refresh_token!)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((x) => x.status !== 200))
      expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    // Each success consumed a different live link: distinct tokens, exactly one of them live.
    const issued = ok.map((r) => r.body.refresh_token as string);
    expect(new Set(issued).size).toBe(issued.length);
    const live = await liveRefreshRows(grantId);
    expect(live).toHaveLength(1);
    const tail = issued.find((t) => hashId(t) === live[0])!;
    expect(tail).toBeTruthy();
    s.clock.advance(11_000);
    expect((await rawRefresh(app, tail)).status).toBe(200);
    expect(await liveRefreshRows(grantId)).toHaveLength(1);
  });

  it('an unknown resource fails with invalid_target and leaves the refresh token usable', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const grantId = (await s.runtime.accessTokenVerifier.verify(tokens.access_token))!.grantId!;
    const before = await liveRefreshRows(grantId);
    for (const resource of ['https://other.example/api', 'not a url', `${s.baseUrl}/api/`]) {
      const r = await postToken(s, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: app.clientId,
        resource,
      });
      expect([r.status, r.body.error, r.body.access_token], resource).toEqual([400, 'invalid_target', undefined]);
      expect(await liveRefreshRows(grantId)).toEqual(before);
    }
    s.clock.advance(11_000); // past the grace window: a consumed token would now revoke the grant
    const ok = await postToken(s, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: app.clientId,
      resource: `${s.baseUrl}/api`,
    });
    expect(ok.status).toBe(200);
    expect(await s.runtime.accessTokenVerifier.verify(ok.body.access_token as string)).toMatchObject({
      grantId,
      scopes: ['catalog:read'],
    });
  });

  it('confidential client without rotation keeps its refresh token (REFRESH_ROTATION_CONFIDENTIAL=false)', async () => {
    const s2 = await startSibling(s, { REFRESH_ROTATION_CONFIDENTIAL: 'false' });
    try {
      const as2 = await discover(s2);
      const web = await register(s2, webApp());
      const { tokens } = await codeFlow(s2, as2, web, {
        scope: 'catalog:read offline_access',
        redirectUri: WEB_REDIRECT,
      });
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
    const intro = await oauth.processIntrospectionResponse(
      as,
      introspector.client,
      await oauth.introspectionRequest(as, introspector.client, introspector.auth, tokens.refresh_token!, insecure),
    );
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
    const r = await postToken(s, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: app.clientId,
      scope: 'orders:read',
    });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_scope']);
    const bad = await rawRefresh(app, 'not-a-refresh-token');
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_grant']);
  });
});
