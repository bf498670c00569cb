// The full authorization-code + PKCE flow as the admin's browser and the app do it: GET /auth,
// the sign-in page (password), the TOTP page, the consent page (approve), the redirect back with a
// code, and the code exchange at /token. Every flow is a new browser (no session to reuse).
//
// TOTP codes are single-use: the product accepts a 30 s step once per admin, and only steps newer
// than the last one it took (window ±1). So each loop owns its own admins and spends their steps
// in ascending order (previous, current, next: up to 3 flows per admin at once, then 1 per 30 s);
// a loop whose admins have no unused step left stops early, and that is reported.
import { createHash, randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import { Pool } from 'undici';
import { findForm, hasForm, decodeEntities } from '../support/page-browser.js';
import { basicAuth, FORM } from './load.js';
import { ADMIN_PASSWORD, ISSUER, PRODUCT_HEADERS, REDIRECT_URI, type BenchAdmin } from './product-setup.js';

const STEP_MS = 30_000;

/** An admin and the last TOTP step it spent (kept across runs: the server remembers it too). */
export interface AdminSlot extends BenchAdmin {
  lastStep: number;
}

export const adminSlots = (admins: BenchAdmin[]): AdminSlot[] => admins.map((a) => ({ ...a, lastStep: -Infinity }));

/** The next unused step this admin may still present, with its code; null when none is valid now. */
function nextCode(a: AdminSlot, now = Date.now()): string | null {
  const current = Math.floor(now / STEP_MS);
  // The previous step only while it stays valid for a few more seconds (the server is at most ±1).
  const oldest = now % STEP_MS < 25_000 ? current - 1 : current;
  const step = Math.max(a.lastStep + 1, oldest);
  if (step > current + 1) return null;
  a.lastStep = step;
  return authenticator.clone({ step: 30, digits: 6, epoch: step * STEP_MS + 1000 }).generate(a.totpSecret);
}

interface Page {
  status: number;
  location: string | null;
  html: string;
  /** Path on the product, or the absolute URL outside it. */
  url: string;
}

class FlowBrowser {
  private cookies = new Map<string, string>();
  constructor(private readonly pool: Pool) {}

  private async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Page> {
    const headers: Record<string, string> = { ...PRODUCT_HEADERS };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = FORM;
    const res = await this.pool.request({
      method,
      path,
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookie = res.headers['set-cookie'];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      // Cookie paths are ignored: one flow, one interaction; an emptied cookie is a deletion.
      if (value === '' || /expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
    const location = typeof res.headers.location === 'string' ? res.headers.location : null;
    return { status: res.statusCode, location, html: await res.body.text(), url: path };
  }

  /** Follows redirects while they stay on the product (ISSUER's origin). */
  async go(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Page> {
    let page = await this.request(method, path, form);
    for (let i = 0; i < 10 && page.status >= 300 && page.status < 400 && page.location; i++) {
      const next = new URL(page.location, `${ISSUER}${page.url}`);
      if (next.origin !== ISSUER) return { ...page, url: next.toString() };
      page = await this.request('GET', next.pathname + next.search);
    }
    return page;
  }

  submit(page: Page, step: string, fields: Record<string, string>): Promise<Page> {
    const form = findForm(page.html, step);
    const action = new URL(decodeEntities(form.action), `${ISSUER}${page.url}`);
    return this.go('POST', action.pathname + action.search, { ...form.hidden, ...fields });
  }
}

export interface FlowResult {
  flows: number;
  failures: number;
  /** Latency of whole flows, ms. */
  p50Ms: number;
  p99Ms: number;
  durationS: number;
  /** Loops that stopped before the deadline for want of an unused TOTP step. */
  loopsOutOfCodes: number;
  refreshTokens: string[];
  firstError: string | null;
}

async function oneFlow(pool: Pool, client: { clientId: string; clientSecret: string }, admin: AdminSlot, code: string) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'catalog:read catalog:write offline_access',
    prompt: 'consent',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const b = new FlowBrowser(pool);
  let page = await b.go('GET', `/auth?${query}`);
  page = await b.submit(page, 'login', { username: admin.username, password: ADMIN_PASSWORD });
  page = await b.submit(page, 'totp', { code });
  if (!hasForm(page.html, 'consent')) throw new Error(`no consent page after TOTP (status ${page.status})`);
  // The sign-in's own code covers this authorization's consent: no second code.
  page = await b.submit(page, 'consent', { decision: 'approve' });
  const callback = new URL(page.url);
  const authCode = callback.searchParams.get('code');
  if (!authCode || callback.searchParams.get('state') !== state)
    throw new Error(`no code at the redirect URI: ${page.url.slice(0, 300)} (status ${page.status})`);
  const res = await pool.request({
    method: 'POST',
    path: '/token',
    headers: {
      ...PRODUCT_HEADERS,
      authorization: basicAuth(client.clientId, client.clientSecret),
      'content-type': FORM,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: authCode,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await res.body.json()) as { refresh_token?: string; error?: string };
  if (res.statusCode !== 200 || !body.refresh_token)
    throw new Error(`code exchange ${res.statusCode}: ${JSON.stringify(body)}`);
  return body.refresh_token;
}

export async function runConsentFlows(o: {
  baseUrl: string;
  client: { clientId: string; clientSecret: string };
  admins: AdminSlot[];
  loops: number;
  durationS: number;
  /** Stop as soon as this many flows succeeded (seeding refresh chains). */
  maxFlows?: number;
}): Promise<FlowResult> {
  const pool = new Pool(o.baseUrl, { connections: o.loops * 2 });
  const slots = o.admins;
  const latencies: number[] = [];
  const refreshTokens: string[] = [];
  let failures = 0;
  let loopsOutOfCodes = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const deadline = t0 + o.durationS * 1000;
  const loop = async (index: number) => {
    const mine = slots.filter((_, i) => i % o.loops === index);
    while (performance.now() < deadline && (o.maxFlows === undefined || refreshTokens.length < o.maxFlows)) {
      let admin: AdminSlot | undefined;
      let code: string | null = null;
      for (const a of mine)
        if ((code = nextCode(a))) {
          admin = a;
          break;
        }
      if (!admin || !code) {
        loopsOutOfCodes++;
        return;
      }
      const t = performance.now();
      try {
        refreshTokens.push(await oneFlow(pool, o.client, admin, code));
        latencies.push(performance.now() - t);
      } catch (err) {
        failures++;
        firstError ??= (err as Error).message.slice(0, 500);
      }
    }
  };
  await Promise.all(Array.from({ length: o.loops }, (_, i) => loop(i)));
  const durationS = (performance.now() - t0) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    flows: latencies.length,
    failures,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    durationS,
    loopsOutOfCodes,
    refreshTokens,
    firstError,
  };
}
