import { createHash, randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createAdminManagement } from '../../src/admins/admin-management.js';
import { createTotp } from '../../src/admins/totp.js';

export const REDIRECT_URI = 'https://app.example.com/callback';
export const PASSWORD = 'correct horse battery staple';

export async function startInteractionServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ env });
}

export function admins(s: TestServer) {
  return createAdminManagement({ db: s.testDb.db, box: s.runtime.box, clock: s.clock, config: s.config, audit: s.runtime.audit });
}

export async function createAdmin(s: TestServer, username: string, opts: { withTotp?: boolean } = {}) {
  const { admin, enrolment } = await admins(s).create({ username, password: PASSWORD, withTotp: opts.withTotp ?? true });
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

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

/** A minimal browser: cookie jar with paths, manual redirects, form fields from the HTML. */
export class Browser {
  private cookies: StoredCookie[] = [];
  constructor(private readonly base: string) {}

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(res: Response, url: URL): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((p) => p.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? url.pathname;
      const expired = attrs.some((a) => /^expires=thu, 01 jan 1970/i.test(a)) || value === '';
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  async request(method: 'GET' | 'POST', target: string, form?: Record<string, string>): Promise<Response> {
    const url = new URL(target, this.base);
    const headers: Record<string, string> = { cookie: this.cookieHeader(url) };
    let body: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.store(res, url);
    return res;
  }

  /** Follows redirects on this server; stops at the first page, or at a URL of another origin (the app). */
  async go(method: 'GET' | 'POST', target: string, form?: Record<string, string>): Promise<Page> {
    let res = await this.request(method, target, form);
    let url = new URL(target, this.base).toString();
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      url = new URL(res.headers.get('location')!, url).toString();
      if (new URL(url).origin !== new URL(this.base).origin) return { url, status: res.status, html: '', headers: res.headers };
      res = await this.request('GET', url);
    }
    return { url, status: res.status, html: await res.text(), headers: res.headers };
  }

  /** Submits the page's form whose action ends with `step`, keeping its hidden fields. */
  async submit(page: Page, step: string, fields: Record<string, string>): Promise<Page> {
    const form = findForm(page.html, step);
    return this.go('POST', form.action, { ...form.hidden, ...fields });
  }
}

export function findForm(html: string, step: string): { action: string; hidden: Record<string, string> } {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const match = forms.find((f) => f[1]!.endsWith(`/${step}`));
  if (!match) throw new Error(`no form for ${step} on page:\n${html.slice(0, 2000)}`);
  const hidden: Record<string, string> = {};
  for (const h of match[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) hidden[h[1]!] = h[2]!;
  return { action: decodeEntities(match[1]!), hidden };
}

export function decodeEntities(s: string): string {
  return s.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function heading(html: string): string {
  return decodeEntities(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim() ?? '');
}

/** Signs in (password + TOTP) from the authorization URL; returns the consent page. */
export async function signIn(s: TestServer, b: Browser, url: string, username: string, secret: string): Promise<Page> {
  const login = await b.go('GET', url);
  const totp = await b.submit(login, 'login', { username, password: PASSWORD });
  return b.submit(totp, 'totp', { code: totpNow(s, secret) });
}

/** Exchanges the code at the token endpoint (client_secret_basic + PKCE verifier). */
export async function exchangeCode(s: TestServer, client: { clientId: string; secret: string }, code: string, verifier: string) {
  const res = await fetch(new URL('/token', s.baseUrl), {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
