import { createHash, randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from './test-server.js';
import { createTotp } from '../../src/admins/totp.js';
import type { Browser, Page } from './page-browser.js';

export { Browser, decodeEntities, findForm, heading, type Page } from './page-browser.js';

export const REDIRECT_URI = 'https://app.example.com/callback';
export const PASSWORD = 'correct horse battery staple';

export async function startInteractionServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ env });
}

export function admins(s: TestServer) {
  return s.runtime.admins.management;
}

export async function createAdmin(
  s: TestServer,
  username: string,
  opts: { withTotp?: boolean; role?: 'owner' | 'auditor' } = {},
) {
  const { admin, enrolment } = await admins(s).create({
    username,
    password: PASSWORD,
    withTotp: opts.withTotp ?? true,
    role: opts.role,
  });
  return { admin, secret: enrolment?.secret ?? null, recoveryCodes: enrolment?.recoveryCodes ?? [] };
}

/** The code an authenticator app shows now (the server's fake clock). */
export function totpNow(s: TestServer, secret: string): string {
  return createTotp({ clock: s.clock, issuerLabel: 'test' }).generate(secret);
}

/** Moves to the next 30 s TOTP step, so a fresh code differs from the last accepted one. */
export function nextStep(s: TestServer): void {
  s.clock.advance(30_000);
}

export async function createClient(s: TestServer, over: { scopes?: string[] } = {}) {
  const { client, clientSecret } = await s.runtime.clients.create({
    name: 'Acme Stock Sync',
    type: 'confidential',
    redirectUris: [REDIRECT_URI],
    scopes: over.scopes ?? ['catalog:read', 'orders:read', 'orders:write', 'offline_access'],
    grantTypes: ['authorization_code', 'refresh_token'],
    contact: 'support@acme.example',
    homepage: 'https://acme.example/',
  });
  return { clientId: client.clientId, secret: clientSecret! };
}

export function authorizationUrl(s: TestServer, clientId: string, scope = 'catalog:read orders:write offline_access') {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const url = new URL('/auth', s.baseUrl);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}),
  }).toString();
  return { url: url.toString(), verifier, state };
}

/** Signs in (password + TOTP) from the authorization URL; returns the consent page. */
export async function signIn(s: TestServer, b: Browser, url: string, username: string, secret: string): Promise<Page> {
  const login = await b.go('GET', url);
  const totp = await b.submit(login, 'login', { username, password: PASSWORD });
  return b.submit(totp, 'totp', { code: totpNow(s, secret) });
}

/** Exchanges the code at the token endpoint (client_secret_basic + PKCE verifier). */
export async function exchangeCode(
  s: TestServer,
  client: { clientId: string; secret: string },
  code: string,
  verifier: string,
) {
  const res = await fetch(new URL('/token', s.baseUrl), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
