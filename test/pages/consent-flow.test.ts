import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  Browser,
  REDIRECT_URI,
  admins,
  authorizationUrl,
  createAdmin,
  createClient,
  exchangeCode,
  findForm,
  heading,
  nextStep,
  signIn,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';

describe(`login → TOTP → consent over HTTP (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let client: { clientId: string; secret: string };
  let secret: string;

  beforeAll(async () => {
    s = await startInteractionServer();
    client = await createClient(s);
    ({ secret } = (await createAdmin(s, 'alice')) as { secret: string });
  });
  afterAll(() => s.close());

  it('approves with the code typed at login, and the app gets tokens (code + PKCE)', async () => {
    const b = new Browser(s.baseUrl);
    const { url, verifier, state } = authorizationUrl(s, client.clientId);
    const login = await b.go('GET', url);
    expect(login.status).toBe(200);
    expect(heading(login.html)).toBe('Sign in');
    expect(login.html).toContain('autocomplete="username"');
    expect(login.html).toContain('autocomplete="current-password"');

    const totp = await b.submit(login, 'login', { username: 'ALICE', password: 'correct horse battery staple' });
    expect(heading(totp.html)).toBe('Two-factor authentication');
    expect(totp.html).toMatch(/autocomplete="one-time-code" inputmode="numeric"/);

    const consent = await b.submit(totp, 'totp', { code: totpNow(s, secret) });
    expect(heading(consent.html)).toBe('Allow Acme Stock Sync to access your store?');
    expect(consent.html).toContain('https://acme.example/');
    expect(consent.html).toContain('support@acme.example');
    expect(consent.html).toContain('app.example.com');
    expect(consent.html).toContain('Long-lived access');
    expect(consent.html).toContain('Read only');
    expect(consent.html).toContain('Read and write');
    expect(consent.html).toMatch(/>Approve<\/button>/);
    expect(consent.html).toMatch(/>Deny<\/button>/);
    expect(consent.html).not.toContain('name="code"'); // covered by the login's code

    const back = await b.submit(consent, 'consent', { decision: 'approve' });
    const cb = new URL(back.url);
    expect(`${cb.origin}${cb.pathname}`).toBe(REDIRECT_URI);
    expect(cb.searchParams.get('state')).toBe(state);
    const code = cb.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const tokens = await exchangeCode(s, client, code, verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toBeTruthy();
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(String(tokens.body.scope).split(' ')).toEqual(expect.arrayContaining(['catalog:read', 'orders:write']));

    const [approved] = await s.runtime.audit.list({ type: 'consent.approved' });
    expect(approved).toMatchObject({
      actor: 'alice',
      clientId: client.clientId,
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(approved!.details).toMatchObject({
      scopes: ['catalog:read', 'orders:write', 'offline_access'],
      secondFactor: 'login',
    });
  });

  it('an existing session must type a fresh code on the consent page; old and replayed codes fail', async () => {
    const b = new Browser(s.baseUrl);
    nextStep(s);
    const loginCode = totpNow(s, secret);
    const first = await b.go('GET', authorizationUrl(s, client.clientId).url);
    const totp = await b.submit(first, 'login', { username: 'alice', password: 'correct horse battery staple' });
    const consent1 = await b.submit(totp, 'totp', { code: loginCode });
    await b.submit(consent1, 'consent', { decision: 'approve' });

    // Second authorization in the same browser: no login, but the consent page asks for a code.
    const consent = await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read orders:read').url);
    expect(heading(consent.html)).toBe('Allow Acme Stock Sync to access your store?');
    expect(consent.html).toMatch(/name="code" type="text" autocomplete="one-time-code" inputmode="numeric"/);
    expect(consent.html).toContain('Already granted');

    const noCode = await b.submit(consent, 'consent', { decision: 'approve' });
    expect(noCode.status).toBe(401);
    expect(noCode.html).toMatch(/role="alert"/);

    const replay = await b.submit(consent, 'consent', { decision: 'approve', code: loginCode });
    expect(replay.status).toBe(401);
    expect(replay.html).toContain('That code is not valid');

    nextStep(s);
    const ok = await b.submit(replay, 'consent', { decision: 'approve', code: totpNow(s, secret) });
    expect(new URL(ok.url).searchParams.get('code')).toBeTruthy();
    const [approved] = await s.runtime.audit.list({ type: 'consent.approved' });
    expect(approved!.details).toMatchObject({ secondFactor: 'totp', newlyGranted: ['orders:read'] });

    // Everything granted before: the consent page (and its code) still comes; no silent approval.
    const same = await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read orders:read').url);
    expect(heading(same.html)).toBe('Allow Acme Stock Sync to access your store?');
    expect(same.html).toContain('Permissions (all granted before)');
    expect(same.html).toContain('name="code"');
    nextStep(s);
    const done = await b.submit(same, 'consent', { decision: 'approve', code: totpNow(s, secret) });
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();
  });

  it('deny returns access_denied to the app and is audited', async () => {
    const b = new Browser(s.baseUrl);
    nextStep(s);
    const consent = await signIn(s, b, authorizationUrl(s, client.clientId).url, 'alice', secret);
    const back = await b.submit(consent, 'consent', { decision: 'deny' });
    const cb = new URL(back.url);
    expect(`${cb.origin}${cb.pathname}`).toBe(REDIRECT_URI);
    expect(cb.searchParams.get('error')).toBe('access_denied');
    expect(cb.searchParams.get('code')).toBeNull();
    const [denied] = await s.runtime.audit.list({ type: 'consent.denied' });
    expect(denied).toMatchObject({ actor: 'alice', clientId: client.clientId, outcome: 'denied' });
    expect(denied!.details).toMatchObject({ scopes: ['catalog:read', 'orders:write', 'offline_access'] });
  });

  it('an admin disabled after signing in cannot approve from the old session', async () => {
    const { secret: pat } = await createAdmin(s, 'pat');
    const b = new Browser(s.baseUrl);
    const consent = await signIn(s, b, authorizationUrl(s, client.clientId).url, 'pat', pat!);
    await b.submit(consent, 'consent', { decision: 'approve' });
    await admins(s).setDisabled('pat', true);
    nextStep(s);
    const again = await b.go('GET', authorizationUrl(s, client.clientId).url);
    expect(again.status).toBe(403);
    expect(heading(again.html)).toBe('Your account cannot approve applications');
  });

  it('an auditor signs in but cannot approve: the consent page says why, and nothing is granted', async () => {
    const { secret: rae } = await createAdmin(s, 'rae');
    await admins(s).setRole('rae', 'auditor');
    const b = new Browser(s.baseUrl);
    nextStep(s);
    const page = await signIn(s, b, authorizationUrl(s, client.clientId).url, 'rae', rae!);
    expect(page.status).toBe(403);
    expect(page.html).toContain('This admin account is an auditor');
    await s.runtime.audit.flush();
    expect(await s.testDb.db('audit_events').where({ type: 'consent.approved', actor: 'rae' })).toHaveLength(0);
  });

  it('an admin locked after signing in (e.g. by wrong codes elsewhere) cannot approve from the session', async () => {
    const { secret: quinn } = await createAdmin(s, 'quinn');
    const b = new Browser(s.baseUrl);
    const consent = await signIn(s, b, authorizationUrl(s, client.clientId).url, 'quinn', quinn!);
    await s.testDb
      .db('admins')
      .whereRaw('lower(username) = ?', ['quinn'])
      .update({ locked_until: new Date(s.clock.now() + 15 * 60_000) });
    const refused = await b.submit(consent, 'consent', { decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(heading(refused.html)).toBe('Your account cannot approve applications');
    await s.runtime.audit.flush();
    expect(await s.testDb.db('audit_events').where({ type: 'consent.approved', actor: 'quinn' })).toHaveLength(0);
  });

  it('a recovery code works once as the second factor', async () => {
    const { secret: _s, recoveryCodes } = await createAdmin(s, 'bob');
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', authorizationUrl(s, client.clientId).url);
    const totp = await b.submit(login, 'login', { username: 'bob', password: 'correct horse battery staple' });
    const consent = await b.submit(totp, 'totp', { code: recoveryCodes[0]!.toLowerCase() });
    expect(heading(consent.html)).toMatch(/^Allow /);

    const b2 = new Browser(s.baseUrl);
    const login2 = await b2.go('GET', authorizationUrl(s, client.clientId).url);
    const totp2 = await b2.submit(login2, 'login', { username: 'bob', password: 'correct horse battery staple' });
    const again = await b2.submit(totp2, 'totp', { code: recoveryCodes[0]! });
    expect(again.status).toBe(401);
    expect(heading(again.html)).toBe('Two-factor authentication');
    expect(findForm(again.html, 'totp').hidden._csrf).toBeTruthy();
    const used = await s.runtime.audit.list({ type: 'admin.recovery_code_used' });
    expect(used[0]).toMatchObject({ actor: 'bob', details: { remaining: 9 } });
  });
});
