// The console's Grants page: list per app and per admin, revoke one grant or every grant of an app
// (step-up), with the apps' tokens really refused afterwards (introspection, the gateway's verifier).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  codeFlow,
  discover,
  insecure,
  oauth,
  postToken,
  register,
  startOAuthServer,
  webApp,
  WEB_REDIRECT,
  type RegisteredClient,
} from '../support/oauth-flows.js';
import { consoleAdmin, post, postWithStepUp, type ConsoleAdmin } from '../support/console-flows.js';
import { decodeEntities, findForm, heading, nextStep } from '../support/page-flows.js';
import { hasForm } from '../support/page-browser.js';

let s: TestServer;
let as: oauth.AuthorizationServer;
let app: RegisteredClient;
let other: RegisteredClient;
let olga: ConsoleAdmin;
let ava: ConsoleAdmin;

const flow = (rc: RegisteredClient) =>
  codeFlow(s, as, rc, { scope: 'catalog:read offline_access', redirectUri: WEB_REDIRECT }).then((r) => r.tokens);
const introspect = async (token: string, rc: RegisteredClient) =>
  oauth.processIntrospectionResponse(
    as,
    rc.client,
    await oauth.introspectionRequest(as, rc.client, rc.auth, token, insecure),
  );
const refresh = (rc: RegisteredClient, token: string) =>
  postToken(
    s,
    { grant_type: 'refresh_token', refresh_token: token },
    { authorization: `Basic ${Buffer.from(`${rc.clientId}:${rc.secret}`).toString('base64')}` },
  );
const grantsOf = (clientId: string) => s.runtime.grants.list({ clientId });
const audited = async (type: 'grant.revoked' | 'console.refused') => {
  await s.runtime.audit.flush();
  return s.runtime.audit.list({ type });
};

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  app = await register(s, webApp({ name: 'Stock Sync' }));
  other = await register(s, webApp({ name: 'Order Export' }));
  olga = await consoleAdmin(s, 'olga', 'owner');
  ava = await consoleAdmin(s, 'ava', 'auditor');
});
afterAll(async () => s?.close());

describe(`console grants (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('signed out, the page sends to the sign-in page', async () => {
    const res = await fetch(`${s.baseUrl}/admin/grants`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([302, '/admin/sign-in']);
  });

  it('lists grants per app and per admin with scopes, created, last token issued and live tokens', async () => {
    await flow(app);
    const [g] = await grantsOf(app.clientId);
    expect(g!.lastIssuedAt).toBeInstanceOf(Date);
    const page = await olga.browser.go('GET', `/admin/grants?client=${encodeURIComponent(app.clientId)}`);
    expect(page.status).toBe(200);
    expect(heading(page.html)).toBe('Grants');
    expect(page.html).toContain('Stock Sync');
    expect(page.html).toContain('store-admin');
    expect(page.html).toContain('<code>catalog:read</code>');
    expect(page.html).toContain('<code>offline_access</code>');
    expect(page.html).toContain(`datetime="${g!.createdAt.toISOString()}"`);
    expect(page.html).toContain(`datetime="${g!.lastIssuedAt!.toISOString()}"`);
    expect(hasForm(page.html, 'revoke')).toBe(true);
    expect(hasForm(page.html, 'revoke-app')).toBe(true);

    const byAdmin = await olga.browser.go('GET', '/admin/grants?admin=store-admin');
    expect(byAdmin.html).toContain(g!.grantId);
    const nobody = await olga.browser.go('GET', '/admin/grants?admin=nobody');
    expect(nobody.status).toBe(400);
    expect(nobody.html).toContain('No admin has this username');
    const noApp = await olga.browser.go('GET', '/admin/grants?client=nope');
    expect(noApp.status).toBe(400);
    expect(decodeEntities(noApp.html)).toContain('No app has this id');
  });

  it('revoking one grant asks for a fresh code; then its tokens are refused everywhere', async () => {
    const tokens = await flow(app);
    const grant = (await grantsOf(app.clientId)).find((g) => g.liveTokens > 0)!;
    expect((await introspect(tokens.access_token, app)).active).toBe(true);
    const page = await olga.browser.go('GET', `/admin/grants?client=${encodeURIComponent(app.clientId)}`);

    // No code: the confirmation page, nothing revoked.
    const confirm = await post(olga.browser, page, '/admin/grants/revoke', { grant_id: grant.grantId });
    expect(confirm.status).toBe(200);
    expect(heading(confirm.html)).toBe('Revoke the grant of “Stock Sync”?');
    expect((await grantsOf(app.clientId)).some((g) => g.grantId === grant.grantId)).toBe(true);
    // A wrong code: 401, nothing revoked.
    const form = findForm(confirm.html, 'revoke');
    const wrong = await olga.browser.go('POST', form.action, { ...form.hidden, code: '000000' });
    expect(wrong.status).toBe(401);
    expect((await grantsOf(app.clientId)).some((g) => g.grantId === grant.grantId)).toBe(true);

    const [, done] = await postWithStepUp(s, olga, page, '/admin/grants/revoke', {
      grant_id: grant.grantId,
      client: app.clientId,
    });
    expect(done.status).toBe(200);
    expect(new URL(done.url).search).toBe(`?client=${encodeURIComponent(app.clientId)}&done=revoked`);
    expect(done.html).toContain('The grant is revoked');
    expect((await grantsOf(app.clientId)).some((g) => g.grantId === grant.grantId)).toBe(false);
    expect((await introspect(tokens.access_token, app)).active).toBe(false);
    expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toBeNull();
    const r = await refresh(app, tokens.refresh_token!);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    const rows = await audited('grant.revoked');
    expect(rows.find((e) => e.grantId === grant.grantId)).toMatchObject({
      actor: 'olga',
      clientId: app.clientId,
      details: expect.objectContaining({ via: 'console' }),
    });
    // Gone now: a second revoke of the same grant is a 404, not a confirmation.
    nextStep(s);
    const again = await post(olga.browser, page, '/admin/grants/revoke', { grant_id: grant.grantId });
    expect(again.status).toBe(404);
  });

  it('revoking every grant of an app ends all its tokens; other apps keep theirs', async () => {
    const first = await flow(other);
    const second = await flow(other);
    const kept = await flow(app);
    expect((await grantsOf(other.clientId)).length).toBe(2);
    const page = await olga.browser.go('GET', '/admin/grants');
    const [confirm, done] = await postWithStepUp(s, olga, page, '/admin/grants/revoke-app', {
      client_id: other.clientId,
    });
    expect(heading(confirm.html)).toBe('Revoke every grant of “Order Export”?');
    expect(confirm.html).toContain('2 active grant(s)');
    expect(done.html).toContain('Every grant of the app is revoked');
    expect(await grantsOf(other.clientId)).toEqual([]);
    for (const t of [first, second]) expect((await introspect(t.access_token, other)).active).toBe(false);
    expect((await introspect(kept.access_token, app)).active).toBe(true);
    const rows = (await audited('grant.revoked')).filter((e) => e.clientId === other.clientId);
    expect(rows).toHaveLength(2);
    expect(rows.every((e) => e.actor === 'olga')).toBe(true);
  });

  it('an auditor sees no revoke controls and every revoke POST is refused (403), nothing changes', async () => {
    await flow(app);
    const before = await grantsOf(app.clientId);
    const page = await ava.browser.go('GET', '/admin/grants');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Stock Sync');
    expect(hasForm(page.html, 'revoke')).toBe(false);
    expect(hasForm(page.html, 'revoke-app')).toBe(false);
    const one = await post(ava.browser, page, '/admin/grants/revoke', { grant_id: before[0]!.grantId });
    const all = await post(ava.browser, page, '/admin/grants/revoke-app', { client_id: app.clientId });
    expect([one.status, all.status]).toEqual([403, 403]);
    expect((await grantsOf(app.clientId)).length).toBe(before.length);
    expect((await audited('console.refused')).some((e) => e.actor === 'ava')).toBe(true);
  });

  it('a revoke without the CSRF token is refused (403) and changes nothing', async () => {
    const before = await grantsOf(app.clientId);
    expect(before.length).toBeGreaterThan(0);
    const one = await olga.browser.go('POST', '/admin/grants/revoke', { grant_id: before[0]!.grantId });
    const all = await olga.browser.go('POST', '/admin/grants/revoke-app', { client_id: app.clientId, _csrf: 'x' });
    expect([one.status, all.status]).toEqual([403, 403]);
    expect((await grantsOf(app.clientId)).length).toBe(before.length);
  });
});
