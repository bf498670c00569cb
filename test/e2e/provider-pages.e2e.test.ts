import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { TestServer } from '../support/test-server.js';
import { REDIRECT_URI, authorizationUrl, createClient, startInteractionServer } from '../support/page-flows.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-results';

/** oidc-provider's own pages in real Chromium: the CSP must let the layout and form_post work. */
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('provider pages in a real browser (Debian Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let clientId: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startInteractionServer({ BRAND_NAME: 'Acme Outdoor' });
    ({ clientId } = await createClient(s));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('the error page for an unknown client is styled by the product stylesheet and breaks no CSP rule', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto(`${s.baseUrl}/auth?client_id=unknown&response_type=code&scope=catalog%3Aread`);
    expect(res!.status()).toBe(400);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'This application is not known here',
    );
    expect(await page.title()).toBe('This application is not known here · Store Access Bridge for Acme Outdoor');
    // app.css applied (style-src 'self'): the top bar's dark background.
    expect(await page.locator('.topbar').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
      'rgb(29, 35, 48)',
    );
    await expect(page.locator('code').textContent()).resolves.toBe('invalid_client');
    await page.screenshot({ path: `${SHOTS}/provider-error.png`, fullPage: true });
    expect(violations).toEqual([]);
    await page.close();
  });

  it(
    'a form_post answer auto-submits to the app (its inline script is allowed by hash, the app by ' + 'form-action)',
    async () => {
      const page = await browser.newPage();
      const posted = new Promise<{ method: string; body: string }>((resolve) => {
        void page.route(`${new URL(REDIRECT_URI).origin}/**`, async (route) => {
          resolve({ method: route.request().method(), body: route.request().postData() ?? '' });
          await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title>' });
        });
      });
      const url = new URL(authorizationUrl(s, clientId, 'catalog:read').url);
      url.searchParams.set('response_mode', 'form_post');
      url.searchParams.set('prompt', 'none');
      await page.goto(url.toString());
      const got = await posted;
      expect(got.method).toBe('POST');
      expect(new URLSearchParams(got.body).get('error')).toBe('login_required');
      await page.close();
    },
  );
});
