import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { hashId } from '../../src/oidc/postgres-adapter.js';
import {
  browse,
  codeFlow,
  discover,
  insecure,
  oauth,
  pageAdmin,
  postToken,
  publicApp,
  PUBLIC_REDIRECT,
  register,
  startOAuthServer,
  webApp,
  WEB_REDIRECT,
} from '../support/oauth-flows.js';

let s: TestServer;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
});
afterAll(async () => s?.close());

describe(`authorization code + PKCE (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('public client: code → opaque access token for the API + rotating refresh token', async () => {
    const rc = await register(s, publicApp());
    const { tokens } = await codeFlow(s, as, rc, { scope: 'catalog:read offline_access' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('catalog:read');
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expires_in).toBe(3600);
    const verified = await s.runtime.accessTokenVerifier.verify(tokens.access_token);
    expect(verified).toMatchObject({
      clientId: rc.clientId,
      scopes: ['catalog:read'],
      format: 'opaque',
      accountId: (await pageAdmin(s)).id,
    });
    expect(verified!.grantId).toBeTruthy();
  });

  it('confidential client with client_secret_basic', async () => {
    const rc = await register(s, webApp());
    const { tokens } = await codeFlow(s, as, rc, { scope: 'catalog:read orders:read', redirectUri: WEB_REDIRECT });
    expect(tokens.scope?.split(' ').sort()).toEqual(['catalog:read', 'orders:read']);
    expect(tokens.refresh_token).toBeUndefined();
    const intro = await oauth.processIntrospectionResponse(
      as,
      rc.client,
      await oauth.introspectionRequest(as, rc.client, rc.auth, tokens.access_token, insecure),
    );
    expect(intro).toMatchObject({
      active: true,
      client_id: rc.clientId,
      sub: (await pageAdmin(s)).id,
      scope: expect.stringContaining('catalog:read'),
      aud: `${s.baseUrl}/api`,
    });
  });
});

describe('authorization code: PKCE, codes, redirect URIs, scopes', () => {
  const authUrl = (clientId: string, params: Record<string, string>) =>
    `${as.authorization_endpoint}?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'catalog:read', redirect_uri: PUBLIC_REDIRECT, ...params })}`;

  it('public client without code_challenge: invalid_request back at the redirect URI', async () => {
    const rc = await register(s, publicApp());
    const cb = await browse(s, authUrl(rc.clientId, { state: 'x' }));
    expect(cb.searchParams.get('error')).toBe('invalid_request');
    expect(cb.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('plain PKCE is refused', async () => {
    const rc = await register(s, publicApp());
    const cb = await browse(
      s,
      authUrl(rc.clientId, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }),
    );
    expect(cb.searchParams.get('error')).toBe('invalid_request');
  });

  it('confidential clients need PKCE too while PKCE_REQUIRED_FOR_ALL is on (default)', async () => {
    const rc = await register(s, webApp());
    const cb = await browse(s, authUrl(rc.clientId, { redirect_uri: WEB_REDIRECT }));
    expect(cb.searchParams.get('error')).toBe('invalid_request');
  });

  it('missing or wrong code_verifier: invalid_grant', async () => {
    const rc = await register(s, publicApp());
    const challenge = await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier());
    for (const verifier of [undefined, oauth.generateRandomCodeVerifier()]) {
      const cb = await browse(s, authUrl(rc.clientId, { code_challenge: challenge, code_challenge_method: 'S256' }));
      const form: Record<string, string> = {
        grant_type: 'authorization_code',
        code: cb.searchParams.get('code')!,
        redirect_uri: PUBLIC_REDIRECT,
        client_id: rc.clientId,
      };
      if (verifier) form.code_verifier = verifier;
      const r = await postToken(s, form);
      expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    }
  });

  it('a code is single use: a second redemption fails and revokes what the first one issued', async () => {
    const rc = await register(s, publicApp());
    const verifier = oauth.generateRandomCodeVerifier();
    const cb = await browse(
      s,
      authUrl(rc.clientId, {
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        scope: 'catalog:read offline_access',
      }),
    );
    const form = {
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code')!,
      redirect_uri: PUBLIC_REDIRECT,
      client_id: rc.clientId,
      code_verifier: verifier,
    };
    const first = await postToken(s, form);
    expect(first.status).toBe(200);
    const second = await postToken(s, form);
    expect([second.status, second.body.error]).toEqual([400, 'invalid_grant']);
    expect(await s.runtime.accessTokenVerifier.verify(first.body.access_token as string)).toBeNull();
    const refresh = await postToken(s, {
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token as string,
      client_id: rc.clientId,
    });
    expect([refresh.status, refresh.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('a failed redemption (wrong, missing or malformed code_verifier; wrong redirect_uri) burns the code', async () => {
    const rc = await register(s, publicApp());
    const without = ({ code_verifier: _v, ...rest }: Record<string, string>) => rest;
    const failures: [string, (form: Record<string, string>) => Record<string, string>, string][] = [
      ['wrong verifier', (f) => ({ ...f, code_verifier: oauth.generateRandomCodeVerifier() }), 'invalid_grant'],
      ['missing verifier', without, 'invalid_grant'],
      ['malformed verifier', (f) => ({ ...f, code_verifier: 'short' }), 'invalid_request'],
      ['wrong redirect_uri', (f) => ({ ...f, redirect_uri: 'http://127.0.0.1:8765/other' }), 'invalid_grant'],
    ];
    for (const [label, spoil, error] of failures) {
      const verifier = oauth.generateRandomCodeVerifier();
      const cb = await browse(
        s,
        authUrl(rc.clientId, {
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }),
      );
      const code = cb.searchParams.get('code')!;
      const form: Record<string, string> = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: PUBLIC_REDIRECT,
        client_id: rc.clientId,
        code_verifier: verifier,
      };
      const attempt = spoil(form);
      const bad = await postToken(s, attempt);
      expect([bad.status, bad.body.error], label).toEqual([400, error]);
      const row = await s.testDb
        .db('oidc_payloads')
        .where({ model: 'AuthorizationCode', id: hashId(code) })
        .first();
      expect(row?.consumed_at, label).toBeTruthy();
      // The right verifier and redirect_uri no longer help.
      const retry = await postToken(s, form);
      expect([retry.status, retry.body.error, retry.body.access_token], label).toEqual([
        400,
        'invalid_grant',
        undefined,
      ]);
    }
  });

  it('a code lives 60 s', async () => {
    const rc = await register(s, publicApp());
    const verifier = oauth.generateRandomCodeVerifier();
    const cb = await browse(
      s,
      authUrl(rc.clientId, {
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }),
    );
    s.clock.advance(61_000);
    const r = await postToken(s, {
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code')!,
      redirect_uri: PUBLIC_REDIRECT,
      client_id: rc.clientId,
      code_verifier: verifier,
    });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('redirect URIs match exactly (loopback: any port); a mismatch is shown, never redirected to', async () => {
    const rc = await register(s, publicApp());
    const { tokens } = await codeFlow(s, as, rc, {
      scope: 'catalog:read',
      redirectUri: 'http://127.0.0.1:54321/callback',
    });
    expect(tokens.access_token).toBeTruthy();
    for (const bad of [
      'http://127.0.0.1:8765/callback/x',
      'http://127.0.0.1:8765/other',
      'https://evil.example/callback',
    ]) {
      const res = await fetch(
        authUrl(rc.clientId, { redirect_uri: bad, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }),
        { redirect: 'manual' },
      );
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('redirect_uri');
    }
  });

  it('scopes outside the client allow-list: invalid_scope; unknown resource: invalid_target', async () => {
    const rc = await register(s, publicApp());
    const challenge = { code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' };
    const cb = await browse(s, authUrl(rc.clientId, { ...challenge, scope: 'catalog:read customers:write' }));
    expect(cb.searchParams.get('error')).toBe('invalid_scope');
    const cb2 = await browse(s, authUrl(rc.clientId, { ...challenge, resource: 'https://other.example/api' }));
    expect(cb2.searchParams.get('error')).toBe('invalid_target');
    const res = await fetch(authUrl(rc.clientId, { ...challenge, response_type: 'token' }), { redirect: 'manual' });
    const loc = new URL(res.headers.get('location') ?? 'http://x/?error=none');
    expect(loc.searchParams.get('error') ?? loc.hash).toMatch(/unsupported_response_type/);
  });

  it('a denied consent comes back as access_denied', async () => {
    const rc = await register(s, publicApp());
    const cb = await browse(
      s,
      authUrl(rc.clientId, { code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }),
      { deny: true },
    );
    expect(cb.searchParams.get('error')).toBe('access_denied');
  });

  it('JWT access tokens (per client): at+jwt for the API audience, refused once the grant is revoked', async () => {
    const rc = await register(s, publicApp({ tokenFormat: 'jwt' }));
    const { tokens } = await codeFlow(s, as, rc, { scope: 'catalog:read offline_access' });
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      aud: `${s.baseUrl}/api`,
      client_id: rc.clientId,
      sub: (await pageAdmin(s)).id,
      scope: 'catalog:read',
    });
    const verified = await s.runtime.accessTokenVerifier.verify(tokens.access_token);
    expect(verified).toMatchObject({ format: 'jwt', grantId: claims.gid });
    // Revoking the refresh token revokes the grant; the JWT is refused within the grant-check TTL.
    const res = await oauth.revocationRequest(as, rc.client, rc.auth, tokens.refresh_token!, insecure);
    await oauth.processRevocationResponse(res);
    s.clock.advance(5000);
    expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toBeNull();
  });

  it('disabled client: the authorization endpoint refuses it (invalid_client), no redirect', async () => {
    const rc = await register(s, publicApp());
    await s.runtime.clients.setEnabled(rc.clientId, false, 'test');
    const res = await fetch(authUrl(rc.clientId, { code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }), {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid_client');
  });
});
