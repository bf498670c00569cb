import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  Browser,
  PASSWORD,
  authorizationUrl,
  createAdmin,
  createClient,
  exchangeCode,
  findForm,
  heading,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';
import { hasForm } from '../support/page-browser.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';
import { passkeyOptions, submitAssertion, submitRegistration } from './passkey-helpers.js';

const APPROVE_TITLE = 'Allow Acme Stock Sync to access your store?';

describe(`passkeys on the sign-in, consent and console pages, policy either (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let client: { clientId: string; secret: string };
  let secret: string;
  let key: SoftwareAuthenticator;

  beforeAll(async () => {
    // Many sign-ins from one address in this file: the per-IP form limit is not under test here.
    s = await startInteractionServer({ LOGIN_RATE_LIMIT_MAX: '1000' });
    client = await createClient(s);
    secret = (await createAdmin(s, 'paula')).secret!;
    key = new SoftwareAuthenticator(s.config.issuer);
  });
  afterAll(() => s.close());

  async function toCodePage(b: Browser, scope?: string) {
    const login = await b.go('GET', authorizationUrl(s, client.clientId, scope).url);
    return b.submit(login, 'login', { username: 'paula', password: PASSWORD });
  }

  it('after a verified code, the admin asks for a passkey, names it, and goes on to the consent page', async () => {
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b);
    expect(totp.html).not.toContain('data-passkey-options'); // none yet: nothing to assert
    expect(totp.html).toContain('name="add_passkey"');
    nextStep(s);
    const enrol = await b.submit(totp, 'totp', { code: totpNow(s, secret), add_passkey: 'yes' });
    expect(heading(enrol.html)).toBe('Add a passkey');
    expect(hasForm(enrol.html, 'passkey-skip')).toBe(true); // optional under `either`
    // Scripts by nonce only, the WebAuthn helper served by the bridge itself.
    const csp = enrol.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(enrol.html).toMatch(/<script nonce="[^"]+" src="\/assets\/simplewebauthn-browser.js" defer><\/script>/);
    expect(enrol.html).toContain('data-passkey-nojs');
    const options = passkeyOptions(enrol.html);
    expect(options.rp!.id).toBe('127.0.0.1');

    // A response from another origin (a phishing page) is refused; the page offers a fresh challenge.
    const phished = await submitRegistration(b, enrol, 'passkey-enrol', key, 'Laptop', {
      origin: 'https://evil.example',
    });
    expect(phished.status).toBe(400);
    expect(phished.html).toContain('The passkey could not be added');
    expect(passkeyOptions(phished.html).challenge).not.toBe(options.challenge);

    const consent = await submitRegistration(b, phished, 'passkey-enrol', key, 'Laptop');
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
    const [stored] = await s.runtime.admins.passkeys.list((await s.runtime.admins.management.get('paula')).id);
    expect(stored).toMatchObject({ name: 'Laptop', credentialId: key.id });
    const back = await b.submit(consent, 'consent', { decision: 'approve' });
    expect(new URL(back.url).searchParams.get('code')).toBeTruthy();
  });

  it('signs in with password then passkey; the consent is covered by it; the app gets tokens', async () => {
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b);
    expect(heading(totp.html)).toBe('Two-factor authentication');
    expect(totp.html).toMatch(/<button type="button"[^>]*data-passkey-start hidden>Use a passkey<\/button>/);
    expect(totp.html).toContain('name="code"'); // the TOTP path stays, usable without JavaScript
    const options = passkeyOptions(totp.html);
    expect(options.rpId).toBe('127.0.0.1');
    const { url, verifier } = authorizationUrl(s, client.clientId);
    const fresh = await b.go('GET', url);
    const page = await b.submit(fresh, 'login', { username: 'paula', password: PASSWORD });
    const { page: consent } = await submitAssertion(b, page, 'passkey', key);
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
    expect(consent.html).toContain('confirmed by the passkey you used when signing in');
    const back = await b.submit(consent, 'consent', { decision: 'approve' });
    const tokens = await exchangeCode(s, client, new URL(back.url).searchParams.get('code')!, verifier);
    expect(tokens.status).toBe(200);
    const logins = await s.runtime.audit.list({ type: 'admin.login', actor: 'paula' });
    expect(logins[0]!.details).toMatchObject({ secondFactor: 'passkey' });
  });

  it('a wrong origin or a replayed assertion is refused at sign-in, with the generic message', async () => {
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b);
    const { page: phished } = await submitAssertion(b, totp, 'passkey', key, { origin: 'https://evil.example' });
    expect(phished.status).toBe(401);
    expect(phished.html).toContain('That passkey was not accepted');
    const { page: consent, response, form } = await submitAssertion(b, phished, 'passkey', key);
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
    // The same response again, in another sign-in: its challenge was used.
    const b2 = new Browser(s.baseUrl);
    const totp2 = await toCodePage(b2);
    const f2 = findForm(totp2.html, 'passkey');
    const replay = await b2.go('POST', f2.action, { ...f2.hidden, passkey_response: response });
    expect(replay.status).toBe(401);
    expect(form.action).not.toBe(f2.action);
    const failed = await s.runtime.audit.list({ type: 'admin.passkey_failed', actor: 'paula' });
    expect(failed.length).toBeGreaterThanOrEqual(2);
    await s.runtime.admins.management.unlock('paula');
  });

  it('the consent step-up takes a fresh passkey assertion (or a code); a replayed one is refused', async () => {
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b);
    const { page: first } = await submitAssertion(b, totp, 'passkey', key);
    await b.submit(first, 'consent', { decision: 'approve' });
    // Same browser session, a second authorization: the consent page needs a fresh proof.
    const consent = await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read orders:read').url);
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
    expect(consent.html).toContain('name="code"');
    expect(consent.html).toMatch(/>Approve with a passkey<\/button>/);
    const noProof = await b.submit(consent, 'consent', { decision: 'approve' });
    expect(noProof.status).toBe(401);
    const { page: approved, response } = await submitAssertion(b, noProof, 'consent/passkey', key);
    const code = new URL(approved.url).searchParams.get('code');
    expect(code).toBeTruthy();
    const [row] = await s.runtime.audit.list({ type: 'consent.approved' });
    expect(row!.details).toMatchObject({ secondFactor: 'passkey' });

    const again = await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read').url);
    const f = findForm(again.html, 'consent/passkey');
    const replay = await b.go('POST', f.action, { ...f.hidden, passkey_response: response });
    expect(replay.status).toBe(401);
    expect(replay.html).toContain('That passkey was not accepted');
    nextStep(s);
    const byCode = await b.submit(replay, 'consent', { decision: 'approve', code: totpNow(s, secret) });
    expect(new URL(byCode.url).searchParams.get('code')).toBeTruthy();
  });

  it('a counter regression at the consent step-up is refused and raises an alert', async () => {
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b);
    const { page: first } = await submitAssertion(b, totp, 'passkey', key);
    await b.submit(first, 'consent', { decision: 'approve' });
    const consent = await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read').url);
    const clone = key.clone();
    clone.counter = 0;
    const { page: refused } = await submitAssertion(b, consent, 'consent/passkey', clone);
    expect(refused.status).toBe(401);
    expect(await s.runtime.audit.list({ type: 'admin.passkey_counter_regression', actor: 'paula' })).toHaveLength(1);
    await expect
      .poll(async () => (await s.runtime.db('alert_outbox').where({ rule: 'passkey_counter_regression' })).length)
      .toBe(1);
  });

  it('the console: sign in with a passkey, list, add, rename and remove passkeys; the CLI lists and removes', async () => {
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', '/admin/sign-in');
    const code = await b.submit(login, 'sign-in', { username: 'paula', password: PASSWORD });
    expect(code.html).toMatch(/>Use a passkey<\/button>/);
    const { page: home } = await submitAssertion(b, code, 'sign-in/passkey', key);
    expect(heading(home.html)).toBe('Admin console');

    const list = await b.go('GET', '/admin/passkeys');
    expect(heading(list.html)).toBe('Passkeys');
    expect(list.html).toContain('Laptop');
    const second = new SoftwareAuthenticator(s.config.issuer);
    // A session alone cannot add a passkey: the list carries no registration options, and a
    // registration not opened by a fresh proof is refused.
    expect(list.html).not.toContain('data-passkey="register"');
    const forgedAdd = await b.go('POST', '/admin/passkeys', {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(list.html)![1]!,
      passkey_response: '{}',
      name: 'Intruder',
    });
    expect(forgedAdd.status).toBe(403);
    const confirmAdd = await b.submit(list, 'passkeys/start', {});
    expect(heading(confirmAdd.html)).toBe('Add a passkey');
    nextStep(s);
    const opened = await b.submit(confirmAdd, 'passkeys/start', { code: totpNow(s, secret) });
    expect(opened.html).toContain('data-passkey="register"');
    const added = await submitRegistration(b, opened, 'passkeys', second, 'Phone <b>');
    expect(added.html).toContain('Passkey “Phone &lt;b&gt;” added.');
    const adminId = (await s.runtime.admins.management.get('paula')).id;
    const phone = (await s.runtime.admins.passkeys.list(adminId)).find((p) => p.credentialId === second.id)!;
    const renamed = await b.submit(added, `${phone.id}/rename`, { name: 'Work phone' });
    expect(renamed.html).toContain('Passkey renamed.');
    // Removal asks for a fresh proof first: nothing is removed by the first POST.
    const confirm = await b.submit(renamed, `${phone.id}/remove`, {});
    expect(heading(confirm.html)).toBe('Remove the passkey “Work phone”?');
    expect(await s.runtime.admins.passkeys.list(adminId)).toHaveLength(2);
    nextStep(s);
    const removed = await b.submit(confirm, `${phone.id}/remove`, { code: totpNow(s, secret) });
    expect(removed.html).toContain('Passkey “Work phone” removed');
    const audit = await s.runtime.audit.list({ actor: 'paula' });
    const types = audit.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['admin.passkey_enrolled', 'admin.passkey_renamed', 'admin.passkey_removed']),
    );
    // A form without the session's CSRF token changes nothing.
    const forged = await b.go('POST', `/admin/passkeys/${phone.id}/remove`, {});
    expect(forged.status).toBe(403);

    const cli = (argv: string[]) => runCliInProcess(argv, () => serverCliContext(s));
    const listed = await cli(['admins:passkeys', '--username', 'paula', '--json']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.out) as { id: string; name: string }[];
    expect(rows.map((r) => r.name)).toEqual(['Laptop']);
    const gone = await cli(['admins:passkeys', '--username', 'paula', '--remove', rows[0]!.id]);
    expect(gone.code).toBe(0);
    expect(gone.out).toContain('removed passkey "Laptop"');
    expect((await cli(['admins:passkeys', '--username', 'paula', '--remove', rows[0]!.id])).code).toBe(3);
    expect((await cli(['admins:passkeys', '--username', 'paula'])).out).toBe('paula has no passkey');
    const [cliRemoval] = await s.runtime.audit.list({ type: 'admin.passkey_removed', actor: 'cli' });
    expect(cliRemoval!.details).toMatchObject({ admin: 'paula', name: 'Laptop' });
  });

  it('serves the vendored browser helper and passkeys.js', async () => {
    const lib = await fetch(`${s.baseUrl}/assets/simplewebauthn-browser.js`);
    expect(lib.status).toBe(200);
    expect(await lib.text()).toContain('SimpleWebAuthnBrowser');
    const ours = await fetch(`${s.baseUrl}/assets/passkeys.js`);
    expect(ours.status).toBe(200);
    expect(ours.headers.get('content-type')).toContain('javascript');
  });
});
