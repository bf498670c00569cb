import * as oauth from 'oauth4webapi';
import { startTestServer, type TestServer } from './test-server.js';
import type { TestDb } from './test-db.js';
import { Browser, authenticatorApp, authorizeThroughPages, type PageAdmin } from './page-browser.js';
import type { ClientInput } from '../../src/clients/validate-client-input.js';

export { oauth };
export const insecure = { [oauth.allowInsecureRequests]: true } as const;
export const PUBLIC_REDIRECT = 'http://127.0.0.1:8765/callback';
export const WEB_REDIRECT = 'https://app.example.com/callback';

/** Every code flow signs in through the pages (3 form POSTs); the per-IP limit is tested elsewhere. */
export async function startOAuthServer(env: Record<string, string> = {}, testDb?: TestDb): Promise<TestServer> {
  return startTestServer({
    env: { LOGIN_RATE_LIMIT_MAX: '100000', LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000/min', ...env },
    testDb,
  });
}

/** A second instance on the same database (same keys, no key generation): other settings, or multi-instance checks. */
export function startSibling(s: TestServer, env: Record<string, string> = {}): Promise<TestServer> {
  return startOAuthServer({ ENCRYPTION_KEY: s.config.encryptionKeys[0]!.toString('base64'), ...env }, s.testDb);
}

export async function discover(s: TestServer): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(s.baseUrl);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

export interface RegisteredClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  clientId: string;
  secret: string | null;
}

export async function register(s: TestServer, input: ClientInput): Promise<RegisteredClient> {
  const { client, clientSecret } = await s.runtime.clients.create(input);
  return {
    client: { client_id: client.clientId },
    auth: clientSecret ? oauth.ClientSecretBasic(clientSecret) : oauth.None(),
    clientId: client.clientId,
    secret: clientSecret,
  };
}

export const publicApp = (over: ClientInput = {}): ClientInput => ({
  name: 'Mobile app',
  type: 'public',
  redirectUris: [PUBLIC_REDIRECT],
  scopes: ['catalog:read', 'orders:read', 'offline_access'],
  grantTypes: ['authorization_code', 'refresh_token'],
  ...over,
});

export const webApp = (over: ClientInput = {}): ClientInput => ({
  name: 'Web shop tool',
  type: 'confidential',
  redirectUris: [WEB_REDIRECT],
  scopes: ['catalog:read', 'catalog:write', 'orders:read', 'offline_access'],
  grantTypes: ['authorization_code', 'refresh_token'],
  ...over,
});

const admins = new WeakMap<TestDb, Promise<PageAdmin & { id: string }>>();

/**
 * The store administrator who approves the tests' authorizations: one per database (argon2 makes
 * creating one cost), with TOTP, shared by sibling servers on that database.
 */
export function pageAdmin(s: TestServer): Promise<PageAdmin & { id: string }> {
  let admin = admins.get(s.testDb);
  if (!admin) {
    const input = { username: 'store-admin', password: 'correct horse battery staple', withTotp: true };
    const management = s.runtime.admins.management;
    admin = management.create(input).then(({ admin: a, enrolment }) => ({
      id: a.id,
      username: a.username,
      password: input.password,
      code: authenticatorApp(enrolment!.secret),
    }));
    admins.set(s.testDb, admin);
  }
  return admin;
}

/**
 * Plays the admin's browser (a new one each time, so a new session): signs in with password and
 * TOTP on the real pages, approves or denies on the consent page, and returns the URL the provider
 * sent the user back to (the client's redirect URI with code or error).
 */
export async function browse(s: TestServer, startUrl: string | URL, opts: { deny?: boolean } = {}): Promise<URL> {
  const page = await authorizeThroughPages(
    new Browser(s.baseUrl),
    s.clock,
    await pageAdmin(s),
    String(startUrl),
    opts.deny ? 'deny' : 'approve',
  );
  return new URL(page.url);
}

export interface CodeFlowResult {
  tokens: oauth.TokenEndpointResponse;
  callback: URL;
}

/** Authorization code + PKCE (S256) with oauth4webapi doing the protocol work. */
export async function codeFlow(
  s: TestServer,
  as: oauth.AuthorizationServer,
  rc: RegisteredClient,
  opts: { scope: string; redirectUri?: string; extra?: Record<string, string> },
): Promise<CodeFlowResult> {
  const redirectUri = opts.redirectUri ?? PUBLIC_REDIRECT;
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const authUrl = new URL(as.authorization_endpoint!);
  authUrl.search = new URLSearchParams({
    client_id: rc.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: opts.scope,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...opts.extra,
  }).toString();
  const callback = await browse(s, authUrl);
  if (callback.searchParams.get('error'))
    throw new Error(
      `authorization error: ${callback.searchParams.get('error')}: ${callback.searchParams.get('error_description')}`,
    );
  const params = oauth.validateAuthResponse(as, rc.client, callback, state);
  const res = await oauth.authorizationCodeGrantRequest(
    as,
    rc.client,
    rc.auth,
    params,
    redirectUri,
    verifier,
    insecure,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, rc.client, res);
  return { tokens, callback };
}

/** Raw POST to the token endpoint (error cases the library refuses to send). */
export async function postToken(s: TestServer, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body, headers: res.headers };
}

export const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

/**
 * A client_credentials client for `catalog:read`, and a token request with any secret (the right
 * one or a wrong one): the token endpoint's smallest round trip.
 */
export async function catalogReader(s: TestServer, name: string) {
  const { client, clientSecret } = await s.runtime.clients.create({
    name,
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['catalog:read'],
  });
  const token = (secret: string) =>
    s.request
      .post('/token')
      .auth(client.clientId, secret)
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'catalog:read' });
  return { clientId: client.clientId, secret: clientSecret!, token };
}
