import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import Koa from 'koa';
import supertest from 'supertest';
import { createTotp } from '../../src/admins/totp.js';
import { securityHeaders } from '../../src/security/security-headers.js';
import {
  Browser,
  PASSWORD,
  REDIRECT_URI,
  admins,
  authorizationUrl,
  createAdmin,
  createClient,
  decodeEntities,
  heading,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';

describe(`TOTP enrolment, page headers and throttling (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let clientId: string;

  beforeAll(async () => {
    s = await startInteractionServer({ LOGIN_RATE_LIMIT_MAX: '40' });
    ({ clientId } = await createClient(s));
  });
  afterAll(() => s.close());

  it(
    'an admin without TOTP enrols at first login: QR code + secret, one code confirms, recovery codes ' + 'shown once',
    async () => {
      await createAdmin(s, 'lena', { withTotp: false });
      const b = new Browser(s.baseUrl);
      const login = await b.go('GET', authorizationUrl(s, clientId).url);
      const enrol = await b.submit(login, 'login', { username: 'lena', password: PASSWORD });
      expect(heading(enrol.html)).toBe('Set up two-factor authentication');
      expect(enrol.html).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
      const secret = [...enrol.html.matchAll(/<span>([A-Z2-7]{1,4})<\/span>/g)].map((m) => m[1]).join('');
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(await s.testDb.db('admins').where({ username: 'lena' }).first()).toMatchObject({ totp_secret: null });

      const wrong = await b.submit(enrol, 'enrol', { code: '000000' === totpNow(s, secret) ? '111111' : '000000' });
      expect(wrong.status).toBe(401);
      expect(heading(wrong.html)).toBe('Set up two-factor authentication');
      expect(wrong.html).toContain(secret.slice(0, 4)); // same secret offered again

      const codesPage = await b.submit(wrong, 'enrol', { code: totpNow(s, secret) });
      expect(heading(codesPage.html)).toBe('Save your recovery codes');
      const codes = [...codesPage.html.matchAll(/<code>([A-Z2-9]{5}-[A-Z2-9]{5})<\/code>/g)].map((m) => m[1]);
      expect(codes).toHaveLength(10);
      const row = await s.testDb.db('admins').where({ username: 'lena' }).first();
      expect(row.totp_secret).toMatch(/^v1\./);
      expect((await s.runtime.audit.list({ type: 'admin.totp_enrolled' }))[0]).toMatchObject({ actor: 'lena' });

      const continueUrl = decodeEntities(/href="([^"]+)">I have saved my codes/.exec(codesPage.html)![1]!);
      const consent = await b.go('GET', continueUrl);
      expect(heading(consent.html)).toMatch(/^Allow /);
      expect(consent.html).not.toContain('name="code"'); // the enrolment code covers this consent
      const back = await b.submit(consent, 'consent', { decision: 'approve' });
      expect(back.url.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);

      // The enrolled secret works at the next sign-in.
      nextStep(s);
      const b2 = new Browser(s.baseUrl);
      const totp = await b2.submit(await b2.go('GET', authorizationUrl(s, clientId).url), 'login', {
        username: 'lena',
        password: PASSWORD,
      });
      expect(heading(totp.html)).toBe('Two-factor authentication');
      expect(
        heading(
          (await b2.submit(totp, 'totp', { code: createTotp({ clock: s.clock, issuerLabel: 'x' }).generate(secret) }))
            .html,
        ),
      ).toMatch(/^Allow /);
    },
  );

  it('after admins:reset-totp the admin enrols again', async () => {
    await createAdmin(s, 'milo');
    await admins(s).resetTotp('milo');
    const b = new Browser(s.baseUrl);
    const page = await b.submit(await b.go('GET', authorizationUrl(s, clientId).url), 'login', {
      username: 'milo',
      password: PASSWORD,
    });
    expect(heading(page.html)).toBe('Set up two-factor authentication');
  });

  it('the consent page names each scope in plain words with its Magento resources', async () => {
    const { secret } = await createAdmin(s, 'nora');
    const b = new Browser(s.baseUrl);
    const totp = await b.submit(await b.go('GET', authorizationUrl(s, clientId).url), 'login', {
      username: 'nora',
      password: PASSWORD,
    });
    const consent = await b.submit(totp, 'totp', { code: totpNow(s, secret!) });
    expect(consent.html).toContain('Magento resources');
    expect(consent.html).toContain('<code>catalog:read</code>');
    expect(consent.html).toMatch(/Catalog/);
    expect(consent.html).toContain('Magento link');
    expect(consent.html).toContain('Not linked');
  });

  it(
    'pages send CSP (no framing, no inline code), no-referrer, nosniff and no-store; the stylesheet is ' +
      'served and cacheable',
    async () => {
      const b = new Browser(s.baseUrl);
      const login = await b.go('GET', authorizationUrl(s, clientId).url);
      const csp = login.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      // Form POSTs may only lead here or to this request's (registered) redirect URI.
      expect(csp).toMatch(/form-action 'self' https:\/\/app\.example\.com(;|$)/);
      expect(login.headers.get('x-frame-options')).toBe('DENY');
      expect(login.headers.get('referrer-policy')).toBe('no-referrer');
      expect(login.headers.get('x-content-type-options')).toBe('nosniff');
      expect(login.headers.get('cache-control')).toBe('no-store');
      expect(login.headers.get('strict-transport-security')).toBeNull(); // not in development
      expect(login.html).not.toMatch(/<script|\sstyle=|\son[a-z]+="/i);
      expect(login.html).not.toMatch(/(src|href)="https?:\/\//); // no external assets

      const css = await fetch(new URL('/assets/app.css', s.baseUrl));
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect(css.headers.get('cache-control')).toContain('max-age=');
      const again = await s.request.get('/assets/app.css').set('if-none-match', css.headers.get('etag')!);
      expect(again.status).toBe(304);
    },
  );
});

describe('per-IP throttling of form POSTs', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startInteractionServer({ LOGIN_RATE_LIMIT_MAX: '3', LOGIN_RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(() => s.close());

  it(
    'the fourth form POST from one IP within the window gets 429 with Retry-After; the next window is ' + 'open again',
    async () => {
      const { clientId } = await createClient(s);
      const b = new Browser(s.baseUrl);
      const login = await b.go('GET', authorizationUrl(s, clientId).url);
      for (let i = 0; i < 3; i++)
        expect((await b.submit(login, 'login', { username: 'x', password: 'y' })).status).toBe(401);
      const limited = await b.submit(login, 'login', { username: 'x', password: 'y' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(heading(limited.html)).toBe('Too many attempts');
      expect((await s.runtime.audit.list({ type: 'security.rate_limited' }))[0]).toBeTruthy();
      s.clock.advance(61_000);
      expect((await b.submit(login, 'login', { username: 'x', password: 'y' })).status).toBe(401);
      // Counted where production counts: the server's PostgreSQL, or memory on the embedded database.
      expect(s.runtime.limiter.store).toBe(s.testDb.engine === 'postgresql' ? 'postgres' : 'memory');
    },
  );
});

describe('HSTS', () => {
  it('is sent in production only', async () => {
    const app = (production: boolean) =>
      new Koa()
        .use(securityHeaders({ production }))
        .use((ctx) => {
          ctx.body = 'ok';
        })
        .callback();
    expect((await supertest(app(true)).get('/')).headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect((await supertest(app(false)).get('/')).headers['strict-transport-security']).toBeUndefined();
  });
});
