// The admin console's sign-in (password, then TOTP), its session (cookie, idle timeout, sign-out)
// and the audit trail's export over HTTP with the CLI's filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  Browser,
  PASSWORD,
  createAdmin,
  heading,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';

describe('admin console: sign-in, session, audit export', () => {
  let s: TestServer;
  let secret: string;
  beforeAll(async () => {
    s = await startInteractionServer();
    secret = (await createAdmin(s, 'olga')).secret!;
  });
  afterAll(() => s.close());

  async function signIn(): Promise<Browser> {
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', '/admin');
    expect(heading(login.html)).toBe('Sign in');
    const code = await b.submit(login, 'sign-in', { username: 'olga', password: PASSWORD });
    expect(heading(code.html)).toBe('Two-factor authentication');
    nextStep(s);
    const home = await b.submit(code, 'code', { code: totpNow(s, secret) });
    expect(heading(home.html)).toBe('Admin console');
    return b;
  }

  it('password then code; wrong ones get one message; pages are unframable, scripts only by nonce', async () => {
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', '/admin/sign-in');
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(login.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    const wrong = await b.submit(login, 'sign-in', { username: 'olga', password: 'not it' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The username or password is incorrect');
    await s.runtime.audit.flush();
    // The row takes what the event left out from the request it was recorded in.
    expect((await s.runtime.audit.list({ type: 'admin.login_failed', actor: 'olga' }))[0]).toMatchObject({
      ip: expect.stringContaining('127.0.0.1'),
      route: 'POST /admin/sign-in',
      userAgent: expect.any(String),
      requestId: expect.any(String),
    });
    const code = await b.submit(wrong, 'sign-in', { username: 'olga', password: PASSWORD });
    const badCode = await b.submit(code, 'code', { code: '000000' });
    expect(badCode.status).toBe(401);
    nextStep(s);
    const home = await b.submit(badCode, 'code', { code: totpNow(s, secret) });
    expect(heading(home.html)).toBe('Admin console');
    expect(home.html).toMatch(/olga <span class="badge badge-role">owner<\/span>/);
    expect(home.html).toContain('Ends after 30 min idle');
    // Signed-in pages load the console's own script file under this response's nonce; nothing inline.
    const csp = home.headers.get('content-security-policy')!;
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).not.toContain('unsafe-inline');
    const scripts = [...home.html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts)
      expect(tag).toMatch(
        new RegExp(`^<script nonce="${nonce!.replace(/[+/]/g, '\\$&')}" src="/assets/[a-z-]+\\.js" defer>$`),
      );
    expect(login.headers.get('content-security-policy')).not.toContain('script-src');
    const js = await fetch(`${s.baseUrl}/assets/console.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('the session cookie is HttpOnly and SameSite=Strict; a POST without its CSRF token is refused', async () => {
    const res = await fetch(`${s.baseUrl}/admin/sign-in`);
    const cookies = res.headers.getSetCookie().join('\n');
    expect(cookies).toMatch(/bridge_admin_csrf=[^;]+;.*samesite=strict/i);
    expect(cookies).toMatch(/httponly/i);
    const forged = await fetch(`${s.baseUrl}/admin/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'olga', password: PASSWORD }),
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
  });

  it('exports the audit trail as CSV, JSON and XML with filters; the export is itself audited', async () => {
    const b = await signIn();
    const csv = await b.go('GET', '/admin/audit/export?format=csv&key=admin.login');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-.*\.csv"$/);
    const lines = csv.html.trim().split(/\r?\n/);
    expect(lines[0]).toContain('key');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.includes('admin.login'))).toBe(true);

    const json = await b.go('GET', '/admin/audit/export?format=json&actor=olga');
    const rows = JSON.parse(json.html) as { key: string; actor: string }[];
    expect(rows.map((r) => r.key)).toContain('audit.exported');
    expect(rows.every((r) => r.actor === 'olga')).toBe(true);

    const xml = await b.go('GET', '/admin/audit/export?format=xml&since=2000-01-01');
    expect(xml.html.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);

    const bad = await b.go('GET', '/admin/audit/export?format=pdf&key=nope&since=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.html).error_description).toBe(
      'format must be one of csv, json, jsonl, xml; unknown key "nope"; since must be an ISO date or time',
    );
    await s.runtime.audit.flush();
    const [exported] = await s.runtime.audit.list({ type: 'audit.exported' });
    expect(exported).toMatchObject({ actor: 'olga', details: { format: 'xml' } });
  });

  it('without a session the export is not served; sign-out and the idle timeout end the session', async () => {
    const anonymous = await fetch(`${s.baseUrl}/admin/audit/export?format=csv`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/admin/sign-in');

    const b = await signIn();
    const home = await b.go('GET', '/admin');
    const out = await b.submit(home, 'sign-out', {});
    expect(heading(out.html)).toBe('Sign in');
    expect(heading((await b.go('GET', '/admin')).html)).toBe('Sign in');

    const idle = await signIn();
    s.clock.advance(31 * 60_000);
    expect(heading((await idle.go('GET', '/admin')).html)).toBe('Sign in');
  });
});
