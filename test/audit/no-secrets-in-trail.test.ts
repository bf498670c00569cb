// Every secret a session of real use creates (admin password, TOTP secret and codes, client secret,
// access and refresh tokens, authorization code, PKCE verifier, cookies) is looked for in every
// stored audit row and every log line, debug included: none may appear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';
import {
  catalogReader,
  codeFlow,
  discover,
  insecure,
  oauth,
  pageAdmin,
  publicApp,
  register,
} from '../support/oauth-flows.js';
import { Browser, PASSWORD, createAdmin, nextStep, totpNow } from '../support/page-flows.js';

describe('no secret reaches the audit trail or the logs', () => {
  let s: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    s = await startTestServer({
      env: { LOG_LEVEL: 'debug', LOGIN_RATE_LIMIT_MAX: '100000', LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000/min' },
      logWrite: (l) => lines.push(l),
    });
  });
  afterAll(() => s.close());

  it('after sign-ins, consents, tokens, refreshes, revocations, failures and an export', async () => {
    const secrets: string[] = [];
    const codes: string[] = [];

    // Client credentials: right and wrong secrets, introspection, revocation.
    const erp = await catalogReader(s, 'erp');
    secrets.push(erp.secret);
    const cc = await erp.token(erp.secret);
    secrets.push(cc.body.access_token);
    const typo = `${erp.secret.slice(0, -3)}xyz`;
    secrets.push(typo);
    await erp.token(typo);
    await s.request
      .post('/token/introspection')
      .auth(erp.clientId, erp.secret)
      .type('form')
      .send({ token: cc.body.access_token });
    await s.request
      .post('/token/revocation')
      .auth(erp.clientId, erp.secret)
      .type('form')
      .send({ token: cc.body.access_token });

    // Authorization code + PKCE through the real pages, then a refresh and a revocation.
    const as = await discover(s);
    const app = await register(s, publicApp({ name: 'mobile' }));
    const admin = await pageAdmin(s);
    secrets.push(admin.password);
    const flow = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    const code = flow.callback.searchParams.get('code');
    if (code) secrets.push(code);
    secrets.push(flow.tokens.access_token, flow.tokens.refresh_token!);
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      app.client,
      await oauth.refreshTokenGrantRequest(as, app.client, app.auth, flow.tokens.refresh_token!, insecure),
    );
    secrets.push(refreshed.access_token, refreshed.refresh_token!);
    await oauth.revocationRequest(as, app.client, app.auth, refreshed.refresh_token!, insecure);

    // The admin console: a wrong password typed where the username goes, a wrong code, a sign-in, an export.
    const { secret: totpSecret } = await createAdmin(s, 'vera');
    secrets.push(totpSecret!, PASSWORD);
    const b = new Browser(s.baseUrl);
    let page = await b.go('GET', '/admin/sign-in');
    const misplaced = 'Hunter2-Was-My-Password!';
    secrets.push(misplaced);
    page = await b.submit(page, 'sign-in', { username: misplaced, password: 'x' });
    page = await b.submit(page, 'sign-in', { username: 'vera', password: PASSWORD });
    nextStep(s);
    const good = totpNow(s, totpSecret!);
    codes.push(good);
    page = await b.submit(page, 'code', { code: good === '123456' ? '654321' : '123456' });
    await b.submit(page, 'code', { code: good });
    await b.go('GET', '/admin/audit/export?format=json');

    await s.runtime.audit.flush();
    const rows = await s.testDb.db('audit_events').select(s.testDb.db.raw('row_to_json(audit_events)::text as t'));
    const haystacks = [...rows.map((r: { t: string }) => r.t), ...lines];
    expect(rows.length).toBeGreaterThan(12); // every step above left its rows and lines
    expect(lines.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(5);
      const found = haystacks.find((h) => h.includes(secret));
      expect(found, `a secret (${secret.slice(0, 4)}…) appears in: ${found?.slice(0, 300)}`).toBeUndefined();
    }
    // Six digits also occur inside hashes and ids by chance: look for them standing alone.
    for (const c of codes) {
      const alone = new RegExp(`(?<![0-9a-fA-F])${c}(?![0-9a-fA-F])`);
      expect(haystacks.find((h) => alone.test(h))).toBeUndefined();
    }
  });
});
