import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestServer } from '../support/test-server.js';
import {
  PASSWORD,
  REDIRECT_URI,
  authorizationUrl,
  createAdmin,
  createClient,
  exchangeCode,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-results';

/** Real Chromium through the real pages: sign in, TOTP, consent, back at the app with a code. */
// Skipped only outside CI: .ci/run installs Chromium, so a missing browser there is a failure.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('consent flow in a real browser (Debian Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let client: { clientId: string; secret: string };
  let secret: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startInteractionServer();
    client = await createClient(s);
    secret = (await createAdmin(s, 'olivia')).secret!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  /** The app's redirect URI is not reachable here: answer it in the browser and report the URL. */
  async function appCallback(page: Page): Promise<URL> {
    const reached = new Promise<URL>((resolve) => {
      void page.route(`${new URL(REDIRECT_URI).origin}/**`, async (route) => {
        resolve(new URL(route.request().url()));
        await route.fulfill({
          status: 200,
          contentType: 'text/html',
          body: '<!doctype html><title>App</title><p>Back at the app</p>',
        });
      });
    });
    return reached;
  }

  it('signs in, types TOTP codes, approves, and lands on the redirect URI with a code', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const { url, verifier, state } = authorizationUrl(s, client.clientId);
    let callback = appCallback(page);

    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await page.screenshot({ path: `${SHOTS}/login.png`, fullPage: true });
    await page.getByLabel('Username').fill('olivia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByLabel('Authentication code').waitFor();
    await page.screenshot({ path: `${SHOTS}/totp.png`, fullPage: true });
    await page.getByLabel('Authentication code').fill(totpNow(s, secret));
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByRole('button', { name: 'Approve' }).waitFor();
    expect(await page.title()).toContain('Allow Acme Stock Sync');
    await page.screenshot({ path: `${SHOTS}/consent.png`, fullPage: true });
    await page.getByRole('button', { name: 'Approve' }).click();

    const cb = await callback;
    expect(`${cb.origin}${cb.pathname}`).toBe(REDIRECT_URI);
    expect(cb.searchParams.get('state')).toBe(state);
    const tokens = await exchangeCode(s, client, cb.searchParams.get('code')!, verifier);
    expect(tokens.status).toBe(200);

    // Same browser session, new authorization: the consent page itself asks for a fresh code.
    await page.unrouteAll();
    callback = appCallback(page);
    nextStep(s);
    await page.goto(authorizationUrl(s, client.clientId).url);
    await page.getByLabel('Authentication code to approve').waitFor();
    await page.screenshot({ path: `${SHOTS}/consent-with-code.png`, fullPage: true });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Authentication code to approve').fill(totpNow(s, secret));
    await page.getByRole('button', { name: 'Approve' }).click();
    expect((await callback).searchParams.get('code')).toBeTruthy();

    const mobile = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const phone = await mobile.newPage();
    await phone.goto(authorizationUrl(s, client.clientId).url);
    await phone.screenshot({ path: `${SHOTS}/login-mobile.png`, fullPage: true });
    await mobile.close();
    await context.close();
  }, 120_000);
});
