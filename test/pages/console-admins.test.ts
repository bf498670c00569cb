// The console's Admins page: what admins:* and sessions:* do, in the browser: create (TOTP shown
// once, or at the first sign-in), role (step-up, last-owner guard in words), reset TOTP, unlock,
// disable/enable, delete, and the console's and sign-in pages' sessions (end one, sign out everywhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventType } from '../../src/audit/audit-events.js';
import type { TestServer } from '../support/test-server.js';
import { consoleAdmin, post, postWithStepUp, signInConsole, type ConsoleAdmin } from '../support/console-flows.js';
import {
  Browser,
  PASSWORD,
  authorizationUrl,
  createAdmin,
  createClient,
  decodeEntities,
  findForm,
  heading,
  nextStep,
  signIn,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';
import { hasForm } from '../support/page-browser.js';

let s: TestServer;
let olga: ConsoleAdmin;
let ava: ConsoleAdmin;

const admin = (u: string) => s.runtime.admins.management.get(u);
const exists = async (u: string) => (await s.runtime.admins.management.list()).some((a) => a.username === u);
const href = (u: string) => `/admin/admins/${encodeURIComponent(u)}`;
const audited = async (type: AuditEventType) => {
  await s.runtime.audit.flush();
  return s.runtime.audit.list({ type });
};
const NEW_PASSWORD = 'another long pass phrase 42';

beforeAll(async () => {
  s = await startInteractionServer({ LOGIN_RATE_LIMIT_MAX: '100000', LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000/min' });
  olga = await consoleAdmin(s, 'olga', 'owner');
  ava = await consoleAdmin(s, 'ava', 'auditor');
});
afterAll(async () => s?.close());

describe(`console admins (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('signed out, the pages send to the sign-in page', async () => {
    for (const path of ['/admin/admins', href('olga')]) {
      const res = await fetch(`${s.baseUrl}${path}`, { redirect: 'manual' });
      expect([res.status, res.headers.get('location')]).toEqual([302, '/admin/sign-in']);
    }
  });

  it('lists admins with role, two-factor, state and last login', async () => {
    const page = await olga.browser.go('GET', '/admin/admins');
    expect(heading(page.html)).toBe('Admins');
    const row = page.html.split('<tr>').find((r) => r.includes('>olga</a>'))!;
    expect(row).toContain('owner');
    expect(row).toContain('enrolled');
    expect(row).toContain('enabled');
    expect(row).toContain(`datetime="${(await admin('olga')).lastLoginAt}"`);
    expect(page.html.split('<tr>').find((r) => r.includes('>ava</a>'))).toContain('auditor');
  });

  it('creates an admin with TOTP shown once (QR, otpauth URI, recovery codes); the new admin signs in', async () => {
    const page = await olga.browser.go('GET', '/admin/admins');
    const created = await post(olga.browser, page, '/admin/admins/create', {
      username: 'nina',
      role: 'auditor',
      password: PASSWORD,
      password_confirm: PASSWORD,
      totp: 'now',
    });
    expect(created.status).toBe(200);
    expect(heading(created.html)).toBe('Admin nina created');
    expect(created.html).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
    const uri = decodeEntities(/<code class="secret" id="otpauth-uri">([^<]+)<\/code>/.exec(created.html)![1]!);
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const codes = [...created.html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThanOrEqual(8);
    expect(await admin('nina')).toMatchObject({ role: 'auditor', totpEnrolled: true, disabled: false });
    nextStep(s);
    const nina = await signInConsole(s, 'nina', new URL(uri).searchParams.get('secret')!);
    expect(heading((await nina.go('GET', '/admin/admins')).html)).toBe('Admins');
    expect((await audited('admin.created')).find((e) => e.details?.admin === 'nina')).toMatchObject({
      actor: 'olga',
      details: expect.objectContaining({ role: 'auditor' }),
    });
  });

  it('creates an admin who enrols at the first sign-in; errors are shown next to the field, input kept', async () => {
    const page = await olga.browser.go('GET', '/admin/admins');
    const later = await post(olga.browser, page, '/admin/admins/create', {
      username: 'leo',
      role: 'owner',
      password: PASSWORD,
      password_confirm: PASSWORD,
      totp: 'later',
    });
    expect(later.status).toBe(200);
    expect(later.html).not.toContain('otpauth://');
    expect(later.html).toContain('sets up an authenticator app at the first sign-in');
    expect(await admin('leo')).toMatchObject({ role: 'owner', totpEnrolled: false });

    const weak = await post(olga.browser, page, '/admin/admins/create', {
      username: 'max',
      role: 'owner',
      password: 'short',
      password_confirm: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.html).toMatch(/id="new-password"[^>]*aria-invalid="true"/);
    expect(weak.html).toContain('<p class="field-error" id="password-error">');
    expect(weak.html).toContain('value="max"');
    const taken = await post(olga.browser, page, '/admin/admins/create', {
      username: 'ava',
      role: 'owner',
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(taken.status).toBe(400);
    expect(decodeEntities(taken.html)).toContain('an admin named "ava" already exists');
    const differ = await post(olga.browser, page, '/admin/admins/create', {
      username: 'max',
      role: 'owner',
      password: PASSWORD,
      password_confirm: 'other',
    });
    expect(differ.html).toContain('The two passwords differ.');
    expect(await exists('max')).toBe(false);
  });

  it('the role changes with a fresh code only; the last enabled owner is kept, said in words', async () => {
    const page = await olga.browser.go('GET', href('nina'));
    const confirm = await post(olga.browser, page, `${href('nina')}/role`, { role: 'owner' });
    expect(heading(confirm.html)).toBe('Make nina an owner?');
    expect((await admin('nina')).role).toBe('auditor');
    const form = findForm(confirm.html, 'role');
    const wrong = await olga.browser.go('POST', form.action, { ...form.hidden, code: '000000' });
    expect(wrong.status).toBe(401);
    expect((await admin('nina')).role).toBe('auditor');
    const [, done] = await postWithStepUp(s, olga, page, `${href('nina')}/role`, { role: 'owner' });
    expect(done.html).toContain('The role is changed.');
    expect((await admin('nina')).role).toBe('owner');
    const [, back] = await postWithStepUp(s, olga, page, `${href('nina')}/role`, { role: 'auditor' });
    expect(back.status).toBe(200);
    const rows = (await audited('admin.updated')).filter((e) => e.details?.admin === 'nina');
    expect(rows.map((e) => [e.actor, e.details?.role])).toEqual([
      ['olga', 'auditor'],
      ['olga', 'owner'],
    ]);

    // leo (owner, no TOTP yet) disabled: olga is the last enabled owner.
    await s.runtime.admins.management.setDisabled('leo', true, 'test');
    const [, refused] = await postWithStepUp(s, olga, page, `${href('olga')}/role`, { role: 'auditor' });
    expect(refused.status).toBe(409);
    expect(decodeEntities(refused.html)).toContain('"olga" is the last enabled owner');
    expect(refused.html).toContain('role="alert"');
    expect((await admin('olga')).role).toBe('owner');
    await s.runtime.admins.management.setDisabled('leo', false, 'test');
  });

  it('reset TOTP (step-up), unlock, disable (step-up) and enable act on the account', async () => {
    const { admin: ron, secret } = await createAdmin(s, 'ron');
    const page = await olga.browser.go('GET', href('ron'));
    await postWithStepUp(s, olga, page, `${href('ron')}/reset-totp`);
    expect((await admin('ron')).totpEnrolled).toBe(false);

    await s.runtime.admins.core.store.update(ron.id, { locked_until: new Date(s.clock.now() + 3600_000) }, new Date());
    const locked = await olga.browser.go('GET', href('ron'));
    expect(locked.html).toContain('locked until');
    const unlocked = await post(olga.browser, locked, `${href('ron')}/unlock`);
    expect(unlocked.html).toContain('The admin is unlocked');
    expect((await admin('ron')).lockedUntil).toBeNull();

    // Disabling signs the admin out of the console at the next page.
    await s.runtime.admins.management.enrolTotp(ron, secret!);
    nextStep(s);
    const ronBrowser = await signInConsole(s, 'ron', secret!);
    const noCode = await post(olga.browser, page, `${href('ron')}/disable`);
    expect(heading(noCode.html)).toBe('Disable ron?');
    expect((await admin('ron')).disabled).toBe(false);
    await postWithStepUp(s, olga, page, `${href('ron')}/disable`);
    expect((await admin('ron')).disabled).toBe(true);
    expect(heading((await ronBrowser.go('GET', '/admin')).html)).toBe('Sign in');
    const enabled = await post(olga.browser, page, `${href('ron')}/enable`);
    expect(enabled.html).toContain('The admin is enabled again.');
    expect((await admin('ron')).disabled).toBe(false);

    const changes = (await audited('admin.updated'))
      .filter((e) => e.details?.admin === 'ron' && e.actor === 'olga')
      .map((e) => e.details?.change);
    expect(changes).toEqual(['enabled', 'disabled', 'totp_reset']);
    expect((await audited('admin.unlocked')).find((e) => e.details?.admin === 'ron')?.actor).toBe('olga');
  });

  it('sets a password (checked by the policy; the admin’s sessions end) and deletes an admin with a fresh code', async () => {
    const { secret: tomSecret } = await createAdmin(s, 'tom');
    const tomBrowser = await signInConsole(s, 'tom', tomSecret!);
    expect((await tomBrowser.go('GET', '/admin')).status).toBe(200);
    const page = await olga.browser.go('GET', href('tom'));
    const weak = await post(olga.browser, page, `${href('tom')}/password`, { password: 'x', password_confirm: 'x' });
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('id="password-error"');
    const ok = await post(olga.browser, page, `${href('tom')}/password`, {
      password: NEW_PASSWORD,
      password_confirm: NEW_PASSWORD,
    });
    expect(ok.html).toContain('The password is changed.');
    // Tom's console session ended with his old password.
    expect(new URL((await tomBrowser.go('GET', '/admin')).url).pathname).toBe('/admin/sign-in');
    const confirm = await post(olga.browser, page, `${href('tom')}/delete`);
    expect(heading(confirm.html)).toBe('Delete the admin tom?');
    expect(await exists('tom')).toBe(true);
    const [, done] = await postWithStepUp(s, olga, page, `${href('tom')}/delete`);
    expect(new URL(done.url).pathname).toBe('/admin/admins');
    expect(done.html).toContain('The admin is deleted');
    expect(await exists('tom')).toBe(false);
    expect((await audited('admin.deleted')).find((e) => e.details?.admin === 'tom')?.actor).toBe('olga');

    // Deleting yourself (another owner remains): signed out, on the sign-in page.
    nextStep(s);
    const uma = await consoleAdmin(s, 'uma', 'owner');
    const own = await uma.browser.go('GET', href('uma'));
    const [, gone] = await postWithStepUp(s, uma, own, `${href('uma')}/delete`);
    expect(heading(gone.html)).toBe('Sign in');
    expect(await exists('uma')).toBe(false);
    expect(heading((await uma.browser.go('GET', '/admin')).html)).toBe('Sign in');
  });

  it('lists console and sign-in page sessions with IP, country, browser and age; ends one of each', async () => {
    const { secret } = await createAdmin(s, 'omar');
    nextStep(s);
    const b = new Browser(s.baseUrl, { 'user-agent': 'OmarBrowser/1.0' });
    const login = await b.go('GET', '/admin/sign-in');
    const code = await b.submit(login, 'sign-in', { username: 'omar', password: PASSWORD });
    nextStep(s);
    await b.submit(code, 'code', { code: totpNow(s, secret!) });
    const client = await createClient(s);
    nextStep(s);
    const consent = new Browser(s.baseUrl);
    await signIn(s, consent, authorizationUrl(s, client.clientId, 'catalog:read').url, 'omar', secret!);
    const [consentSession] = await s.runtime.admins.sessions.list({ adminId: (await admin('omar')).id });
    expect(consentSession).toBeDefined();

    const page = await olga.browser.go('GET', href('omar'));
    expect(page.html).toContain('OmarBrowser/1.0');
    expect(page.html).toContain('127.0.0.1');
    expect(page.html).toContain('Sign-in pages (consent)');
    expect(page.html).toMatch(/<time datetime="[^"]+" title="[^"]+">(under a minute|\d+ min)<\/time>/);
    const list = await olga.browser.go('GET', '/admin/admins');
    expect(list.html).toContain('OmarBrowser/1.0');
    expect(list.html).toContain('<span class="badge">this session</span>');

    const ref = (await s.runtime.admins.console.list({ adminId: (await admin('omar')).id }))[0]!.ref;
    const ended = await post(olga.browser, page, '/admin/admins/end-session', {
      kind: 'console',
      session: ref,
      from: 'omar',
    });
    expect(new URL(ended.url).pathname).toBe(href('omar'));
    expect(ended.html).toContain('The session is ended');
    expect(heading((await b.go('GET', '/admin')).html)).toBe('Sign in');
    const endedConsent = await post(olga.browser, page, '/admin/admins/end-session', {
      kind: 'consent',
      session: consentSession!.sessionId,
    });
    expect(endedConsent.status).toBe(200);
    expect(await s.runtime.admins.sessions.list({ adminId: (await admin('omar')).id })).toEqual([]);
    expect((await audited('console.sessions_ended')).find((e) => e.details?.admin === 'omar')?.actor).toBe('olga');
    expect((await audited('admin.session_revoked')).find((e) => e.details?.admin === 'omar')?.actor).toBe('olga');
    const gone = await post(olga.browser, page, '/admin/admins/end-session', { kind: 'console', session: ref });
    expect(gone.status).toBe(404);
  });

  it('"sign out everywhere" (step-up) ends console and consent sessions; for yourself, you land on sign-in', async () => {
    const { secret } = await createAdmin(s, 'pia');
    nextStep(s);
    const pia = { username: 'pia', secret: secret!, browser: await signInConsole(s, 'pia', secret!) };
    const other = await signInConsole(s, 'pia', (nextStep(s), secret!));
    const client = await createClient(s);
    nextStep(s);
    await signIn(s, new Browser(s.baseUrl), authorizationUrl(s, client.clientId, 'catalog:read').url, 'pia', secret!);
    const id = (await admin('pia')).id;
    expect((await s.runtime.admins.console.list({ adminId: id })).length).toBe(2);
    expect((await s.runtime.admins.sessions.list({ adminId: id })).length).toBe(1);

    // Not yet: the confirmation only.
    const page = await pia.browser.go('GET', href('pia'));
    const confirm = await post(pia.browser, page, `${href('pia')}/sign-out-everywhere`);
    expect(heading(confirm.html)).toBe('Sign yourself out everywhere?');
    expect((await s.runtime.admins.console.list({ adminId: id })).length).toBe(2);

    const [, done] = await postWithStepUp(s, pia, page, `${href('pia')}/sign-out-everywhere`);
    expect(new URL(done.url).pathname).toBe('/admin/sign-in');
    expect(heading(done.html)).toBe('Sign in');
    expect(heading((await other.go('GET', '/admin')).html)).toBe('Sign in');
    expect(await s.runtime.admins.console.list({ adminId: id })).toEqual([]);
    expect(await s.runtime.admins.sessions.list({ adminId: id })).toEqual([]);
    const [row] = (await audited('console.sessions_ended')).filter((e) => e.details?.admin === 'pia');
    expect(row).toMatchObject({ actor: 'pia', details: expect.objectContaining({ console: 2, consent: 1 }) });

    // For someone else, the owner stays signed in.
    nextStep(s);
    const again = await signInConsole(s, 'pia', secret!);
    const olgaPage = await olga.browser.go('GET', href('pia'));
    const [, byOwner] = await postWithStepUp(s, olga, olgaPage, `${href('pia')}/sign-out-everywhere`);
    expect(byOwner.html).toContain('Every session of the admin is ended.');
    expect(heading((await again.go('GET', '/admin')).html)).toBe('Sign in');
  });

  it('an auditor sees no write controls, and every write POST is refused (403) with nothing changed', async () => {
    const list = await ava.browser.go('GET', '/admin/admins');
    expect(list.status).toBe(200);
    expect(hasForm(list.html, 'create')).toBe(false);
    expect(hasForm(list.html, 'end-session')).toBe(false);
    const page = await ava.browser.go('GET', href('nina'));
    const steps = ['role', 'reset-totp', 'unlock', 'disable', 'enable', 'password', 'delete', 'sign-out-everywhere'];
    for (const step of steps) expect(hasForm(page.html, step)).toBe(false);
    const before = await admin('nina');
    for (const step of steps)
      expect((await post(ava.browser, page, `${href('nina')}/${step}`, { role: 'owner' })).status).toBe(403);
    const create = await post(ava.browser, page, '/admin/admins/create', {
      username: 'eve',
      role: 'owner',
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(create.status).toBe(403);
    const end = await post(ava.browser, page, '/admin/admins/end-session', { kind: 'console', session: 'x' });
    expect(end.status).toBe(403);
    expect(await admin('nina')).toEqual(before);
    expect(await exists('eve')).toBe(false);
    expect((await audited('console.refused')).filter((e) => e.actor === 'ava').length).toBeGreaterThanOrEqual(10);
  });

  it('a write without the CSRF token is refused (403) and changes nothing', async () => {
    const before = await admin('nina');
    for (const step of ['role', 'disable', 'delete', 'sign-out-everywhere'])
      expect((await olga.browser.go('POST', `${href('nina')}/${step}`, { role: 'owner' })).status).toBe(403);
    const create = await olga.browser.go('POST', '/admin/admins/create', {
      username: 'eve',
      role: 'owner',
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(create.status).toBe(403);
    expect(await admin('nina')).toEqual(before);
    expect(await exists('eve')).toBe(false);
  });

  it('ConsoleSessions.list shows signed-in sessions only (not half-signed-in, not idle); endByRef is scoped', async () => {
    const { admin: kim } = await createAdmin(s, 'kim');
    const seen = { ip: '203.0.113.9', country: 'DE', userAgent: 'KimBrowser' };
    const half = await s.runtime.admins.console.create(kim.id, 'password_ok', seen);
    const { token } = await s.runtime.admins.console.create(kim.id, 'active', seen);
    const list = await s.runtime.admins.console.list({ adminId: kim.id });
    expect(list).toEqual([expect.objectContaining({ ip: '203.0.113.9', country: 'DE', userAgent: 'KimBrowser' })]);
    expect(list[0]!.ref).toBe(s.runtime.admins.console.refOf(token));
    expect(list[0]!.ref).not.toBe(s.runtime.admins.console.refOf(half.token));
    expect(await s.runtime.admins.console.endByRef(list[0]!.ref, { adminId: (await admin('olga')).id })).toBe(false);
    s.clock.advance(31 * 60_000);
    expect(await s.runtime.admins.console.list({ adminId: kim.id })).toEqual([]);
    expect(await s.runtime.admins.console.endByRef(list[0]!.ref, { adminId: kim.id })).toBe(true);
    expect(await s.runtime.admins.console.find(token)).toBeNull();
  });
});
