// Drives the real sign-in and consent pages over HTTP, as a browser would: shared by the
// interaction tests (which look at each page) and the OAuth/gateway tests (which only need a code).
import { createTotp } from '../../src/admins/totp.js';
import type { createFakeClock } from './fake-clock.js';

type FakeClock = ReturnType<typeof createFakeClock>;

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
  /** `headers` go on every request (e.g. X-Forwarded-Host, to play a hostile proxy). */
  constructor(
    private readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/',
      )
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
    const headers: Record<string, string> = { ...this.headers, cookie: this.cookieHeader(url) };
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
      if (new URL(url).origin !== new URL(this.base).origin)
        return { url, status: res.status, html: '', headers: res.headers };
      res = await this.request('GET', url);
    }
    return { url, status: res.status, html: await res.text(), headers: res.headers };
  }

  /** Submits the page's form whose action ends with `step`, keeping its hidden fields. */
  async submit(page: Page, step: string, fields: Record<string, string>): Promise<Page> {
    const form = findForm(page.html, step);
    return this.go('POST', form.action, { ...form.hidden, ...fields });
  }

  /** True once the browser has left this server (for the app's redirect URI). */
  leftServer(page: Page): boolean {
    return new URL(page.url).origin !== new URL(this.base).origin;
  }
}

export function findForm(html: string, step: string): { action: string; hidden: Record<string, string> } {
  const match = forms(html).find((f) => f[1]!.endsWith(`/${step}`));
  if (!match) throw new Error(`no form for ${step} on page:\n${html.slice(0, 2000)}`);
  const hidden: Record<string, string> = {};
  for (const h of match[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    hidden[h[1]!] = decodeEntities(h[2]!);
  return { action: decodeEntities(match[1]!), hidden };
}

export function hasForm(html: string, step: string): boolean {
  return forms(html).some((f) => f[1]!.endsWith(`/${step}`));
}

const forms = (html: string) => [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];

export function decodeEntities(s: string): string {
  return s
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function heading(html: string): string {
  return decodeEntities(
    /<h1[^>]*>([\s\S]*?)<\/h1>/
      .exec(html)?.[1]
      ?.replace(/<[^>]+>/g, '')
      .trim() ?? '',
  );
}

/**
 * The admin's authenticator app. The server accepts each 30 s step once, so when the last code
 * came from the current step this moves the given server's fake clock to the next one (servers
 * sharing a database share the admin's last step, but not their clocks).
 */
export function authenticatorApp(secret: string) {
  let lastStep = -Infinity;
  return (clock: FakeClock): string => {
    const stepOf = (t: number) => Math.floor(t / 30_000);
    if (stepOf(clock.now()) <= lastStep) clock.advance((lastStep + 1) * 30_000 - clock.now());
    lastStep = stepOf(clock.now());
    return createTotp({ clock, issuerLabel: 'test' }).generate(secret);
  };
}

export interface PageAdmin {
  username: string;
  password: string;
  /** A code nobody has used yet, on this server's clock. */
  code(clock: FakeClock): string;
}

/**
 * From an authorization URL to the app's redirect URI through whatever pages come: sign-in
 * (password, then TOTP), and the consent page (with a fresh code when the sign-in's code does not
 * cover it), approved or denied. Returns the first page outside this server.
 */
export async function authorizeThroughPages(
  b: Browser,
  clock: FakeClock,
  admin: PageAdmin,
  authorizationUrl: string,
  decision: 'approve' | 'deny' = 'approve',
): Promise<Page> {
  let page = await b.go('GET', authorizationUrl);
  for (let step = 0; step < 6 && !b.leftServer(page); step++) {
    if (hasForm(page.html, 'login'))
      page = await b.submit(page, 'login', { username: admin.username, password: admin.password });
    else if (hasForm(page.html, 'totp')) page = await b.submit(page, 'totp', { code: admin.code(clock) });
    else if (hasForm(page.html, 'consent')) {
      const fields: Record<string, string> = { decision };
      if (decision === 'approve' && /name="code"/.test(page.html)) fields.code = admin.code(clock);
      page = await b.submit(page, 'consent', fields);
    } else break;
  }
  if (!b.leftServer(page))
    throw new Error(`stuck at ${page.url} (${page.status} "${heading(page.html)}"):\n${page.html.slice(0, 1500)}`);
  return page;
}
