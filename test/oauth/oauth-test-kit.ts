import * as oauth from 'oauth4webapi';
import { startTestServer, type TestServer } from '../support/test-server.js';
import type { TestDb } from '../support/test-db.js';
import { testInteractionRouter } from '../support/test-interactions.js';
import type { ClientInput } from '../../src/clients/validate-client-input.js';

export { oauth };
export const insecure = { [oauth.allowInsecureRequests]: true } as const;
export const PUBLIC_REDIRECT = 'http://127.0.0.1:8765/callback';
export const WEB_REDIRECT = 'https://app.example.com/callback';

export async function startOAuthServer(env: Record<string, string> = {}, testDb?: TestDb): Promise<TestServer> {
  return startTestServer({ env, testDb, extraRouters: (p) => [testInteractionRouter(p)] });
}

/** A second instance on the same database (same keys, no key generation): other settings, or multi-instance checks. */
export function startSibling(s: TestServer, env: Record<string, string> = {}): Promise<TestServer> {
  return startOAuthServer({ ENCRYPTION_KEY: s.config.encryptionKeys[0]!.toString('base64'), ...env }, s.testDb);
}

export async function discover(s: TestServer): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(s.baseUrl);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
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

/**
 * Plays the browser: follows the provider's redirects with a cookie jar, finishes each
 * interaction through the test-only router, and returns the URL the provider sent the user
 * back to (the client's redirect URI with code or error).
 */
export async function browse(s: TestServer, startUrl: string | URL, opts: { deny?: boolean } = {}): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(startUrl);
  for (let hop = 0; hop < 12; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url.pathname}: ${res.status} ${await res.text()}`);
    const next = new URL(location, url);
    if (next.origin !== s.baseUrl) return next;
    const m = /^\/interaction\/([^/]+)$/.exec(next.pathname);
    url = m ? new URL(`/test-interaction/${m[1]}/${opts.deny ? 'deny' : 'approve'}`, s.baseUrl) : next;
  }
  throw new Error('too many redirects');
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
  if (callback.searchParams.get("error")) throw new Error(`authorization error: ${callback.searchParams.get("error")}: ${callback.searchParams.get("error_description")}`);
  const params = oauth.validateAuthResponse(as, rc.client, callback, state);
  const res = await oauth.authorizationCodeGrantRequest(as, rc.client, rc.auth, params, redirectUri, verifier, insecure);
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
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body, headers: res.headers };
}

export const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });
