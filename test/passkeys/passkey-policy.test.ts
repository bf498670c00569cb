import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  Browser,
  PASSWORD,
  authorizationUrl,
  createAdmin,
  createClient,
  heading,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';
import { hasForm } from '../support/page-browser.js';
import { createTotp } from '../../src/admins/totp.js';
import { loadConfig } from '../../src/config/load-config.js';
import { testEnv } from '../support/test-env.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { passkeyOptions, submitAssertion, submitRegistration } from './passkey-helpers.js';

const APPROVE_TITLE = 'Allow Acme Stock Sync to access your store?';

describe(`ADMIN_SECOND_FACTOR=passkey (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let client: { clientId: string; secret: string };

  beforeAll(async () => {
    // Many sign-ins from one address in this file: the per-IP form limit is not under test here.
    s = await startInteractionServer({ ADMIN_SECOND_FACTOR: 'passkey', LOGIN_RATE_LIMIT_MAX: '1000' });
    client = await createClient(s);
  });
  afterAll(() => s.close());

  async function toCodePage(b: Browser, username: string) {
    const login = await b.go('GET', authorizationUrl(s, client.clientId).url);
    return b.submit(login, 'login', { username, password: PASSWORD });
  }

  /** An admin past the bootstrap: TOTP once, then the passkey that is required. */
  async function withPasskey(username: string) {
    const { secret, recoveryCodes } = await createAdmin(s, username);
    const key = new SoftwareAuthenticator(s.config.issuer);
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b, username);
    nextStep(s);
    const enrol = await b.submit(totp, 'totp', { code: totpNow(s, secret!) });
    const consent = await submitRegistration(b, enrol, 'passkey-enrol', key, 'Key');
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
    return { secret: secret!, recoveryCodes, key, b, consent };
  }

  it('bootstrap: an admin without a passkey types a code only to create one (no skipping), then approves', async () => {
    const { secret } = await createAdmin(s, 'nina');
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b, 'nina');
    expect(totp.html).toContain('This store requires a passkey');
    nextStep(s);
    const enrol = await b.submit(totp, 'totp', { code: totpNow(s, secret!) });
    expect(heading(enrol.html)).toBe('Add a passkey');
    expect(hasForm(enrol.html, 'passkey-skip')).toBe(false);
    // Skipping by hand does not finish the login either.
    const skip = await b.go('POST', enrol.url.replace(/\/?$/, '/passkey-skip'), { _csrf: csrfOf(enrol.html) });
    expect(heading(skip.html)).toBe('Add a passkey');
    const key = new SoftwareAuthenticator(s.config.issuer);
    const consent = await submitRegistration(b, skip, 'passkey-enrol', key, 'Nina laptop');
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
    expect(consent.html).toContain('confirmed by the passkey you used when signing in');
    const back = await b.submit(consent, 'consent', { decision: 'approve' });
    expect(new URL(back.url).searchParams.get('code')).toBeTruthy();
  });

  it('a first-time admin (no TOTP yet) enrols TOTP, saves the codes, then must add a passkey', async () => {
    await createAdmin(s, 'otto', { withTotp: false });
    const b = new Browser(s.baseUrl);
    const enrolTotp = await toCodePage(b, 'otto');
    expect(heading(enrolTotp.html)).toBe('Set up two-factor authentication');
    const groups = /<p class="secret"[^>]*>([\s\S]*?)<\/p>/.exec(enrolTotp.html)![1]!;
    const raw = groups.replace(/<[^>]+>/g, '').replace(/\s+/g, '');
    expect(raw).toBeTruthy();
    const codes = await b.submit(enrolTotp, 'enrol', {
      code: createTotp({ clock: s.clock, issuerLabel: 't' }).generate(raw),
    });
    expect(heading(codes.html)).toBe('Save your recovery codes');
    const cont = /href="([^"]+)"[^>]*>I have saved/.exec(codes.html)![1]!;
    const enrol = await b.go('GET', cont);
    expect(heading(enrol.html)).toBe('Add a passkey');
    const consent = await submitRegistration(b, enrol, 'passkey-enrol', new SoftwareAuthenticator(s.config.issuer), '');
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
  });

  it('once an admin has a passkey, a TOTP code and a recovery code are refused at sign-in, audited', async () => {
    const { secret, recoveryCodes, key } = await withPasskey('pia');
    const b = new Browser(s.baseUrl);
    const totp = await toCodePage(b, 'pia');
    expect(totp.html).not.toContain('name="code"'); // no code field: the passkey only
    expect(totp.html).toContain('Turn JavaScript on to continue.');
    nextStep(s);
    const refused = await b.go('POST', totp.url.replace(/\/?$/, '/totp'), {
      _csrf: csrfOf(totp.html),
      code: totpNow(s, secret),
    });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('authentication codes are not accepted here');
    const recovery = await b.go('POST', totp.url.replace(/\/?$/, '/totp'), {
      _csrf: csrfOf(totp.html),
      code: recoveryCodes[0]!,
    });
    expect(recovery.status).toBe(401);
    const audited = await s.runtime.audit.list({ type: 'admin.second_factor_refused', actor: 'pia' });
    expect(audited).toHaveLength(2);
    expect(audited[0]!.details).toMatchObject({ policy: 'passkey', where: 'sign_in' });
    // The TOTP step was not consumed and the recovery code is still unused: nothing was checked.
    expect(await s.runtime.admins.core.store.remainingRecoveryCodes((await admin('pia')).id)).toBe(10);
    const { page: consent } = await submitAssertion(b, recovery, 'passkey', key);
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
  });

  it('after an operator resets TOTP, the re-enrolment does not finish the login: the passkey does', async () => {
    const { key } = await withPasskey('ravi');
    await s.runtime.admins.management.resetTotp('ravi');
    const b = new Browser(s.baseUrl);
    const enrolTotp = await toCodePage(b, 'ravi');
    expect(heading(enrolTotp.html)).toBe('Set up two-factor authentication');
    const groups = /<p class="secret"[^>]*>([\s\S]*?)<\/p>/.exec(enrolTotp.html)![1]!;
    const raw = groups.replace(/<[^>]+>/g, '').replace(/\s+/g, '');
    const codes = await b.submit(enrolTotp, 'enrol', {
      code: createTotp({ clock: s.clock, issuerLabel: 't' }).generate(raw),
    });
    const cont = /href="([^"]+)"[^>]*>I have saved/.exec(codes.html)![1]!;
    expect(cont).toMatch(/^\/interaction\//);
    const second = await b.go('GET', cont);
    expect(heading(second.html)).toBe('Two-factor authentication');
    expect(second.html).not.toContain('name="code"');
    const { page: consent } = await submitAssertion(b, second, 'passkey', key);
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
  });

  it('the consent step-up refuses a code and takes a passkey', async () => {
    const { secret, key, b, consent: first } = await withPasskey('quin');
    await b.submit(first, 'consent', { decision: 'approve' });
    const consent = await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read').url);
    expect(consent.html).not.toContain('name="code"');
    expect(consent.html).not.toMatch(/value="approve" class="button button-primary">Approve<\/button>/);
    nextStep(s);
    const byCode = await b.submit(consent, 'consent', { decision: 'approve', code: totpNow(s, secret) });
    expect(byCode.status).toBe(401);
    expect(byCode.html).toContain('authentication codes are not accepted here');
    const { page: approved } = await submitAssertion(b, byCode, 'consent/passkey', key);
    expect(new URL(approved.url).searchParams.get('code')).toBeTruthy();
  });

  it('the console: TOTP only leads to creating a passkey; then the passkey signs in and codes are refused', async () => {
    const { secret } = await createAdmin(s, 'rosa');
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', '/admin/sign-in');
    const code = await b.submit(login, 'sign-in', { username: 'rosa', password: PASSWORD });
    nextStep(s);
    const enrol = await b.submit(code, 'code', { code: totpNow(s, secret!) });
    expect(heading(enrol.html)).toBe('Add a passkey');
    // Not signed in yet: the console itself sends back to the sign-in.
    const early = await b.request('GET', '/admin');
    expect(early.status).toBe(302);
    const key = new SoftwareAuthenticator(s.config.issuer);
    const home = await submitRegistration(b, enrol, 'sign-in/passkey-enrol', key, 'Rosa key');
    expect(heading(home.html)).toBe('Admin console');

    const b2 = new Browser(s.baseUrl);
    const code2 = await b2.submit(await b2.go('GET', '/admin/sign-in'), 'sign-in', {
      username: 'rosa',
      password: PASSWORD,
    });
    expect(code2.html).not.toContain('name="code"');
    nextStep(s);
    const refused = await b2.go('POST', '/admin/sign-in/code', {
      _csrf: csrfOf(code2.html),
      code: totpNow(s, secret!),
    });
    expect(refused.status).toBe(401);
    const { page: home2 } = await submitAssertion(b2, refused, 'sign-in/passkey', key);
    expect(heading(home2.html)).toBe('Admin console');

    // A destructive action's step-up follows the policy too: no code field, a code refused, the passkey works once.
    const action = `/admin/apps/${encodeURIComponent(client.clientId)}/rotate-secret`;
    const confirm = await b2.go('POST', action, { _csrf: csrfOf(home2.html) });
    expect(confirm.status).toBe(200);
    expect(confirm.html).not.toContain('name="code"');
    nextStep(s);
    const byCode = await b2.go('POST', action, { _csrf: csrfOf(home2.html), code: totpNow(s, secret!) });
    expect(byCode.status).toBe(401);
    expect(byCode.html).toContain('authentication codes are not accepted here');
    expect(await s.runtime.clients.verifySecret(client.clientId, client.secret)).toBeTruthy();
    const { page: rotated, form } = await submitAssertion(b2, byCode, 'rotate-secret', key);
    expect(rotated.status).toBe(200);
    expect(rotated.html).toContain('id="client-secret"');
    // The same assertion again: its challenge is spent.
    const again = await b2.go('POST', form.action, {
      ...form.hidden,
      passkey_response: JSON.stringify(key.assert(passkeyOptions(byCode.html))),
    });
    expect(again.status).toBe(401);
    await s.runtime.audit.flush();
    expect(await s.runtime.audit.list({ type: 'client.secret_rotated', actor: 'rosa' })).toHaveLength(1);
  });

  async function admin(username: string) {
    return s.runtime.admins.management.get(username);
  }
});

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

describe(`ADMIN_SECOND_FACTOR=totp (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let client: { clientId: string; secret: string };

  beforeAll(async () => {
    s = await startInteractionServer({ ADMIN_SECOND_FACTOR: 'totp' });
    client = await createClient(s);
  });
  afterAll(() => s.close());

  it('passkeys are neither offered nor accepted; the code works as before', async () => {
    const { admin, secret } = await createAdmin(s, 'tom');
    const pk = s.runtime.admins.passkeys;
    const key = new SoftwareAuthenticator(s.config.issuer);
    const options = await pk.registrationOptions({ id: admin.id, username: 'tom' }, 'test:totp');
    const from = { ip: null };
    const reg = await pk.finishRegistration({
      adminId: admin.id,
      binding: 'test:totp',
      response: JSON.stringify(key.register(options)),
      name: 'Old key',
      from,
    });
    expect(reg.ok).toBe(true);
    expect(await pk.assertionOptions(admin.id, 'test:totp', 'sign_in')).toBeNull();
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', authorizationUrl(s, client.clientId).url);
    const totp = await b.submit(login, 'login', { username: 'tom', password: PASSWORD });
    expect(totp.html).not.toContain('data-passkey');
    expect(totp.html).not.toContain('add_passkey');
    const forced = await b.go('POST', totp.url.replace(/\/?$/, '/passkey'), {
      _csrf: csrfOf(totp.html),
      passkey_response: JSON.stringify(key.assert({ challenge: 'AAAA' })),
    });
    expect(forced.status).toBe(401);
    nextStep(s);
    const consent = await b.submit(forced, 'totp', { code: totpNow(s, secret!) });
    expect(heading(consent.html)).toBe(APPROVE_TITLE);
  });

  it('an unknown policy stops the start', async () => {
    expect(() => loadConfig(testEnv({ ADMIN_SECOND_FACTOR: 'sms' }))).toThrow(/ADMIN_SECOND_FACTOR/);
    expect(loadConfig(testEnv({ ISSUER: 'https://auth.shop.example' })).passkeys).toEqual({
      secondFactor: 'either',
      rpId: 'auth.shop.example',
      origin: 'https://auth.shop.example',
    });
  });
});
