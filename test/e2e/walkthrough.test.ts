// The README's walk-through, step by step over HTTP: the store owner sets the bridge up with the
// CLI and links it to Magento (the emulator) through Activate and the Identity Link page; a
// third-party app, using only oauth4webapi and fetch, gets a token through the consent page and
// reads and writes catalog data through the bridge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { startMagentoEmulator, type MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { Browser, authenticatorApp, authorizeThroughPages, heading, type PageAdmin } from '../support/page-browser.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';

const APP_REDIRECT = 'https://tool.example.com/callback';
const PASSWORD = 'a long passphrase of your own';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe(
  `walk-through: CLI setup, Magento link, an OAuth app reading and writing the catalog ` +
    `(${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`,
  () => {
    let s: TestServer;
    let emu: MagentoEmulator;
    let admin: PageAdmin;
    let app: { clientId: string; secret: string };
    let as: oauth.AuthorizationServer;
    let tokens: oauth.TokenEndpointResponse;

    /** `npm run cli -- …` against this server's database, output captured instead of printed. */
    const cli = (argv: string[], stdin = '') => runCliInProcess(argv, () => serverCliContext(s), { stdin });

    /** The app's plain HTTP calls to the bridge, exactly as it would call the store. */
    const api = (path: string, token: string, init: { method?: string; json?: unknown } = {}) =>
      fetch(`${s.baseUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.json ? { 'content-type': 'application/json' } : {}) },
        body: init.json ? JSON.stringify(init.json) : undefined,
      });

    beforeAll(async () => {
      // The emulator reads the server's fake clock, so OAuth 1.0a timestamps agree with it.
      emu = await startMagentoEmulator({ clock: { now: () => (s ? s.clock.now() : Date.now()) } });
      s = await startTestServer({ env: { MAGENTO_BASE_URL: emu.storeBaseUrl } });
    });
    afterAll(async () => {
      await s?.runtime.activation.idle();
      await s?.close();
      await emu?.close();
    });

    it("1. the first admin and the app's client, with the CLI", async () => {
      const created = await cli(['admins:create', '--username', 'alice', '--password-stdin', '--json'], PASSWORD);
      expect(created.code, created.err).toBe(0);
      const { totp_secret: totpSecret, username } = JSON.parse(created.out) as {
        totp_secret: string;
        username: string;
      };
      admin = { username, password: PASSWORD, code: authenticatorApp(totpSecret) };

      const client = await cli([
        'clients:create',
        '--name',
        'Shop tool',
        '--type',
        'confidential',
        '--redirect-uri',
        APP_REDIRECT,
        '--scope',
        'catalog:read catalog:write offline_access',
        '--grant-type',
        'authorization_code',
        '--grant-type',
        'refresh_token',
        '--json',
      ]);
      expect(client.code, client.err).toBe(0);
      const { client_id, client_secret } = JSON.parse(client.out) as { client_id: string; client_secret: string };
      expect(client_secret).toBeTruthy();
      app = { clientId: client_id, secret: client_secret };
    });

    it('2. Magento: Activate with the Endpoint URL, then confirm on the Identity Link page', async () => {
      const urls = await cli(['magento:link-urls', '--client', app.clientId, '--json']);
      expect(urls.code, urls.err).toBe(0);
      const { endpoint_url, identity_link_url } = JSON.parse(urls.out) as {
        endpoint_url: string;
        identity_link_url: string;
      };

      // In Magento: System → Integrations → Add New (Endpoint URL, Identity Link URL, Catalog
      // resources) → Activate. Magento posts its consumer credentials; the bridge exchanges tokens.
      const integration = emu.createIntegration({ name: 'Shop tool', resources: ['Magento_Catalog::products'] });
      await emu.activate(integration.id, endpoint_url);
      await s.runtime.activation.idle();
      expect(JSON.parse((await cli(['magento:status', '--client', app.clientId, '--json'])).out)).toMatchObject({
        status: 'awaiting_confirmation',
      });

      // Magento opens the Identity Link URL in a popup; the store admin signs in and confirms.
      const successCallBack = `${emu.baseUrl}/admin/admin/integration/loginSuccessCallback/`;
      const popup = `${identity_link_url}?${new URLSearchParams({ oauth_consumer_key: integration.consumerKey, success_call_back: successCallBack })}`;
      const b = new Browser(s.baseUrl);
      const login = await b.go('GET', popup);
      expect(login.status).toBe(200);
      const confirm = await b.submit(login, 'login', { username: admin.username, password: admin.password });
      expect(confirm.html).toContain('Connect this Magento integration to');
      const done = await b.submit(confirm, 'confirm', { code: admin.code(s.clock) });
      expect(done.status).toBe(200);
      expect(done.html).toContain('is now connected');

      expect(JSON.parse((await cli(['magento:status', '--client', app.clientId, '--json'])).out)).toMatchObject({
        status: 'active',
        has_access_token: true,
      });
    });

    it('3. the app gets tokens through the consent page (discovery, authorization code, PKCE)', async () => {
      const issuer = new URL(s.baseUrl);
      as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
      );
      const client: oauth.Client = { client_id: app.clientId };
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const authorizationUrl = new URL(as.authorization_endpoint!);
      authorizationUrl.search = new URLSearchParams({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: APP_REDIRECT,
        scope: 'catalog:read catalog:write offline_access',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString();

      // The admin's browser: sign in (password + TOTP), review the permissions, Approve.
      const b = new Browser(s.baseUrl);
      const signIn = await b.go('GET', authorizationUrl.toString());
      expect(heading(signIn.html)).toBe('Sign in');
      const back = await authorizeThroughPages(b, s.clock, admin, signIn.url);
      const callback = new URL(back.url);
      expect(`${callback.origin}${callback.pathname}`).toBe(APP_REDIRECT);

      const params = oauth.validateAuthResponse(as, client, callback, state);
      const res = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(app.secret),
        params,
        APP_REDIRECT,
        verifier,
        insecure,
      );
      tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.scope?.split(' ').sort()).toEqual(['catalog:read', 'catalog:write']);
      expect(tokens.refresh_token).toBeTruthy();
    });

    it('4. the app reads and writes Magento data through the bridge, signed for Magento', async () => {
      const before = emu.verdicts.length;
      const list = await api('/rest/V1/products?searchCriteria[pageSize]=2', tokens.access_token);
      expect(list.status).toBe(200);
      const page = (await list.json()) as { items: { sku: string }[]; total_count: number };
      expect(page.items).toHaveLength(2);
      expect(page.total_count).toBeGreaterThan(2);

      const sku = 'ABC/10';
      const path = `/rest/V1/products/${encodeURIComponent(sku)}`;
      const put = await api(path, tokens.access_token, {
        method: 'PUT',
        json: { product: { name: 'Renamed through the bridge', price: 21 } },
      });
      expect(put.status, await put.clone().text()).toBe(200);
      expect(await put.json()).toMatchObject({ sku, name: 'Renamed through the bridge', price: 21 });

      const read = await api(path, tokens.access_token);
      expect(await read.json()).toMatchObject({ sku, name: 'Renamed through the bridge', price: 21 });
      expect(emu.data.products.find((p) => p.sku === sku)).toMatchObject({
        name: 'Renamed through the bridge',
        price: 21,
      });

      // Magento checked an OAuth 1.0a signature on every call the bridge forwarded.
      const calls = emu.verdicts.slice(before);
      expect(calls.map((v) => [v.method, v.status])).toEqual([
        ['GET', 200],
        ['PUT', 200],
        ['GET', 200],
      ]);
      for (const v of calls) expect(v).toMatchObject({ ok: true, reason: 'signature_valid' });
    });

    it('5. the app refreshes its token and keeps calling; a read-only token cannot write', async () => {
      const client: oauth.Client = { client_id: app.clientId };
      const res = await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(app.secret),
        tokens.refresh_token!,
        insecure,
      );
      const refreshed = await oauth.processRefreshTokenResponse(as, client, res);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.refresh_token).toBeTruthy(); // rotated (REFRESH_ROTATION_CONFIDENTIAL=true)
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      const again = await api('/rest/V1/products/MB-01', refreshed.access_token);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ sku: 'MB-01' });
      expect(emu.verdicts.at(-1)).toMatchObject({ ok: true, reason: 'signature_valid' });

      // Narrower token from the same grant: catalog:read only, so a PUT is refused by the bridge.
      const narrowRes = await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(app.secret),
        refreshed.refresh_token!,
        {
          ...insecure,
          additionalParameters: { scope: 'catalog:read' },
        },
      );
      const narrow = await oauth.processRefreshTokenResponse(as, client, narrowRes);
      const denied = await api('/rest/V1/products/MB-01', narrow.access_token, {
        method: 'PUT',
        json: { product: { price: 1 } },
      });
      expect(denied.status).toBe(403);
      expect(denied.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    });
  },
);
