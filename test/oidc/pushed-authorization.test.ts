import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import type { TestServer } from '../support/test-server.js';
import {
  browse,
  discover,
  insecure,
  oauth,
  postToken,
  publicApp,
  PUBLIC_REDIRECT,
  register,
  startOAuthServer,
  webApp,
  WEB_REDIRECT,
  type RegisteredClient,
} from '../support/oauth-flows.js';
import { linkToEmulator } from '../support/linked-client.js';

type Emulator = Awaited<ReturnType<typeof startMagentoEmulator>>;
let emu: Emulator;
let s: TestServer;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startOAuthServer({ MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE });
  as = await discover(s);
});
afterAll(async () => {
  await s?.close();
  await emu?.close();
});

const linkTo = (clientId: string) => linkToEmulator(s, emu, clientId);

/** PAR (RFC 9126) with oauth4webapi, then the admin's browser on /auth?client_id&request_uri. */
async function parFlow(
  rc: RegisteredClient,
  opts: { redirectUri: string; scope: string; DPoP?: oauth.DPoPHandle; extra?: Record<string, string> },
) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const pushed = await oauth.pushedAuthorizationRequest(
    as,
    rc.client,
    rc.auth,
    {
      redirect_uri: opts.redirectUri,
      response_type: 'code',
      scope: opts.scope,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...opts.extra,
    },
    { ...insecure, ...(opts.DPoP ? { DPoP: opts.DPoP } : {}) },
  );
  const par = await oauth.processPushedAuthorizationResponse(as, rc.client, pushed);
  expect(par.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
  expect(par.expires_in).toBeGreaterThan(0);
  const authUrl = new URL(as.authorization_endpoint!);
  authUrl.search = new URLSearchParams({ client_id: rc.clientId, request_uri: par.request_uri }).toString();
  const callback = await browse(s, authUrl);
  const params = oauth.validateAuthResponse(as, rc.client, callback, state);
  return { params, verifier, requestUri: par.request_uri, authUrl };
}

describe(`pushed authorization requests (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('confidential client: PAR → sign-in, TOTP, consent → code → token; the request_uri is single use', async () => {
    const rc = await register(s, webApp());
    const { params, verifier, authUrl } = await parFlow(rc, {
      redirectUri: WEB_REDIRECT,
      scope: 'catalog:read orders:read',
    });
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      rc.client,
      rc.auth,
      params,
      WEB_REDIRECT,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, rc.client, res);
    expect(tokens.scope?.split(' ').sort()).toEqual(['catalog:read', 'orders:read']);
    expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toMatchObject({
      clientId: rc.clientId,
      jkt: null,
    });
    // Using the request_uri again: the provider refuses it at the redirect URI.
    const again = await browse(s, authUrl);
    expect(again.origin + again.pathname).toBe(WEB_REDIRECT);
    expect(again.searchParams.get('error')).toBe('invalid_request_uri');
  });

  it('a client that requires PAR: a plain authorization request is refused, PAR works', async () => {
    const rc = await register(s, webApp({ requirePar: true }));
    expect((await discover(s)).require_pushed_authorization_requests).toBeUndefined(); // per client, not server-wide
    const plain = new URL(as.authorization_endpoint!);
    plain.search = new URLSearchParams({
      client_id: rc.clientId,
      redirect_uri: WEB_REDIRECT,
      response_type: 'code',
      scope: 'catalog:read',
      state: 'plain',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(plain, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const refused = new URL(res.headers.get('location')!);
    expect(refused.origin + refused.pathname).toBe(WEB_REDIRECT);
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('error_description')).toMatch(/Pushed Authorization Request must be used/);
    expect(refused.searchParams.get('state')).toBe('plain');

    const { params, verifier } = await parFlow(rc, { redirectUri: WEB_REDIRECT, scope: 'catalog:read' });
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      rc.client,
      await oauth.authorizationCodeGrantRequest(as, rc.client, rc.auth, params, WEB_REDIRECT, verifier, insecure),
    );
    expect(tokens.scope).toBe('catalog:read');
  });

  it(
    'public mobile app requiring PAR and DPoP: PAR with a proof, DPoP-bound tokens, refresh, gateway ' + 'call',
    async () => {
      const rc = await register(s, publicApp({ requirePar: true, requireDpop: true }));
      await linkTo(rc.clientId);
      const keys = await oauth.generateKeyPair('ES256');
      const jkt = await calculateJwkThumbprint(await exportJWK(keys.publicKey));
      const DPoP = oauth.DPoP(rc.client, keys);
      // The gateway checks iat on the server's fake clock (moved on by the TOTP steps): a client in step with it.
      const gatewayDpop = () =>
        oauth.DPoP({ [oauth.clockSkew]: Math.round((s.clock.now() - Date.now()) / 1000) }, keys);
      const { params, verifier } = await parFlow(rc, {
        redirectUri: PUBLIC_REDIRECT,
        scope: 'catalog:read offline_access',
        DPoP,
      });

      // The client must send a proof at /token.
      const withoutProof = await postToken(s, {
        grant_type: 'authorization_code',
        code: params.get('code')!,
        redirect_uri: PUBLIC_REDIRECT,
        client_id: rc.clientId,
        code_verifier: verifier,
      });
      expect(withoutProof.status).toBe(400);
      expect(withoutProof.body).toMatchObject({
        error: 'invalid_dpop_proof',
        error_description: expect.stringMatching(/must send a DPoP proof/),
      });

      // A fresh authorization (the failed redemption above used the code up).
      const second = await parFlow(rc, {
        redirectUri: PUBLIC_REDIRECT,
        scope: 'catalog:read offline_access',
        DPoP,
        extra: { prompt: 'consent' },
      });
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        rc.client,
        await oauth.authorizationCodeGrantRequest(
          as,
          rc.client,
          rc.auth,
          second.params,
          PUBLIC_REDIRECT,
          second.verifier,
          { DPoP, ...insecure },
        ),
      );
      expect(tokens.token_type.toLowerCase()).toBe('dpop');
      expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toMatchObject({
        clientId: rc.clientId,
        jkt,
      });

      const url = new URL(`${s.baseUrl}/rest/V1/products/ABC%2F10`);
      const call = await oauth.protectedResourceRequest(tokens.access_token, 'GET', url, undefined, undefined, {
        DPoP: gatewayDpop(),
        ...insecure,
      });
      expect(call.status).toBe(200);
      expect(emu.verdicts[emu.verdicts.length - 1]).toMatchObject({ ok: true, method: 'GET' });
      const asBearer = await s.request.get(url.pathname).set('Authorization', `Bearer ${tokens.access_token}`);
      expect([asBearer.status, asBearer.body.error]).toEqual([401, 'invalid_token']);

      // The refresh token is bound as well: refresh needs the same key.
      const otherKey = oauth.DPoP(rc.client, await oauth.generateKeyPair('ES256'));
      const stolen = await oauth.refreshTokenGrantRequest(as, rc.client, rc.auth, tokens.refresh_token!, {
        DPoP: otherKey,
        ...insecure,
      });
      await expect(oauth.processRefreshTokenResponse(as, rc.client, stolen)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        rc.client,
        await oauth.refreshTokenGrantRequest(as, rc.client, rc.auth, tokens.refresh_token!, { DPoP, ...insecure }),
      );
      expect(refreshed.token_type.toLowerCase()).toBe('dpop');
      expect(await s.runtime.accessTokenVerifier.verify(refreshed.access_token)).toMatchObject({ jkt });
    },
  );
});
