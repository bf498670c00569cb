import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestServer } from '../support/test-server.js';
import { readFileSync } from 'node:fs';
import {
  Browser as HttpBrowser,
  PASSWORD,
  authorizationUrl,
  createAdmin,
  createClient,
  exchangeCode,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';
import { authenticatorApp, authorizeThroughPages } from '../support/page-browser.js';
import { seriousViolations } from '../support/axe-check.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-results/console';
const WIDTHS = [
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const;

/** The admin console in real Chromium, at desktop and phone widths, checked by axe-core. */
// Skipped only outside CI: .ci/run installs Chromium, so a missing browser there is a failure.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('admin console in a real browser (Debian Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let secret: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startInteractionServer();
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

  async function signIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(`${s.baseUrl}/admin`);
    await page.getByLabel('Username').fill('olivia');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: /sign in|continue/i }).click();
    nextStep(s);
    await page.getByLabel(/code/i).fill(totpNow(s, secret));
    await page.getByRole('button', { name: /verify|sign in|continue/i }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    return page;
  }

  async function checkPage(page: Page, name: string, width: string) {
    await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
    expect(await seriousViolations(page), `${name} at ${width}`).toEqual([]);
    // Nothing wider than the screen: at phone width the page scrolls down, never sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${width} overflows by ${overflow}px`).toBeLessThanOrEqual(1);
  }

  /** The step-up page of a destructive action: a fresh code, then its confirm button. */
  async function confirmWithCode(page: Page) {
    await page.getByLabel('Authentication code').waitFor();
    nextStep(s);
    await page.getByLabel('Authentication code').fill(totpNow(s, secret));
    await page.locator('main form button.button-danger').click();
  }

  /** A grant approved through the real consent pages (another admin), for the console to revoke. */
  async function approvedGrant(): Promise<string> {
    const client = await createClient(s);
    const username = `approver${Date.now()}`;
    const { secret: approverSecret } = await createAdmin(s, username);
    const b = new HttpBrowser(s.baseUrl);
    const code = authenticatorApp(approverSecret!);
    const request = authorizationUrl(s, client.clientId);
    const back = await authorizeThroughPages(b, s.clock, { username, password: PASSWORD, code }, request.url);
    const tokens = await exchangeCode(s, client, new URL(back.url).searchParams.get('code')!, request.verifier);
    expect(tokens.status).toBe(200);
    return client.clientId;
  }

  for (const { name: width, viewport } of WIDTHS)
    it(`at ${width} width: signs in, creates an app, rotates its secret, revokes a grant, filters and exports the audit; axe finds nothing serious`, async () => {
      const grantClient = await approvedGrant();
      const context = await browser.newContext({ viewport, acceptDownloads: true });
      try {
        const page = await signIn(context);
        await checkPage(page, 'overview', width);

        // Create an app: the secret is shown once, with the client id.
        await page.getByRole('link', { name: 'Apps', exact: true }).click();
        await checkPage(page, 'apps', width);
        await page.goto(`${s.baseUrl}/admin/apps/new`);
        await page.getByLabel('Name', { exact: true }).fill(`Warehouse sync ${width}`);
        await page.getByLabel('Redirect URIs').fill('https://warehouse.example/callback');
        await page.locator('.scope-choice input[type="checkbox"]').first().check();
        await checkPage(page, 'app-new', width);
        await page.getByRole('button', { name: 'Create the app' }).click();
        const clientId = (await page.locator('#client-id').textContent())!.trim();
        const firstSecret = (await page.locator('#client-secret').textContent())!.trim();
        expect(firstSecret.length).toBeGreaterThan(20);
        expect(await s.runtime.clients.verifySecret(clientId, firstSecret)).toBeTruthy();
        await checkPage(page, 'app-created', width);

        // Rotate its secret: confirmation with a fresh code, then the new secret once.
        await page.goto(`${s.baseUrl}/admin/apps/${encodeURIComponent(clientId)}`);
        await checkPage(page, 'app', width);
        await page.getByRole('button', { name: 'Issue a new secret' }).click();
        await checkPage(page, 'step-up', width);
        await confirmWithCode(page);
        const rotated = (await page.locator('#client-secret').textContent())!.trim();
        expect(rotated).not.toBe(firstSecret);
        expect(await s.runtime.clients.verifySecret(clientId, rotated)).toBeTruthy();

        // Revoke the grant another admin approved.
        await page.goto(`${s.baseUrl}/admin/grants?client=${encodeURIComponent(grantClient)}`);
        await checkPage(page, 'grants', width);
        await page
          .locator('main form button.button-danger', { hasText: /^Revoke the grant/ })
          .first()
          .click();
        await confirmWithCode(page);
        await page.getByRole('status').waitFor();
        expect(await s.runtime.grants.list({ clientId: grantClient })).toEqual([]);

        // Filter the audit trail to the rotation, then export exactly that as CSV.
        await page.getByRole('link', { name: 'Audit', exact: true }).click();
        await page.getByLabel('Event', { exact: true }).selectOption('client.secret_rotated');
        await page.getByLabel('App (client id)').fill(clientId);
        await page.getByRole('button', { name: 'Filter' }).click();
        await page.locator('main table').waitFor();
        await checkPage(page, 'audit', width);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'Download CSV' }).click(),
        ]);
        const csv = readFileSync((await download.path())!, 'utf8')
          .trim()
          .split('\r\n');
        expect(csv).toHaveLength(2); // header + the one rotation
        expect(csv[1]).toContain('client.secret_rotated');
        expect(csv[1]).toContain(clientId);
        expect(csv[1]).toContain('olivia');

        // The overview again, now with the session's own activity in its charts.
        await page.getByRole('link', { name: 'Overview', exact: true }).click();
        await checkPage(page, 'overview-after', width);

        // The CSP is on (scripts by nonce only) and the console's scripts ran without errors.
        expect((page as Page & { errors?: string[] }).errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

  // Last in the file: it moves the clock back a week to write a week of traffic, then returns.
  it('the overview charts a week of traffic, readable and accessible (the README screenshot)', async () => {
    const audit = s.runtime.audit;
    const now = s.clock.now();
    const day = 86_400_000;
    const erp = await createClient(s);
    const mobile = (
      await s.runtime.clients.create({
        name: 'Mobile shop app',
        type: 'public',
        redirectUris: ['com.example.shop:/callback'],
        scopes: ['catalog:read', 'offline_access'],
        grantTypes: ['authorization_code', 'refresh_token'],
      })
    ).client.clientId;
    const tokens = [14, 19, 16, 23, 20, 26, 11];
    for (let d = 6; d >= 0; d--) {
      s.clock.set(now - d * day - 3_600_000);
      const i = 6 - d;
      for (let n = 0; n < tokens[i]!; n++)
        await audit.record({ type: 'token.issued', outcome: 'success', clientId: n % 3 ? erp.clientId : mobile });
      for (let n = 0; n < 3 * tokens[i]!; n++) {
        const status = n % 17 === 0 ? 502 : n % 9 === 0 ? 404 : n % 13 === 0 ? 304 : 200;
        await audit.record({
          type: 'gateway.call',
          outcome: status < 400 ? 'success' : 'failure',
          clientId: n % 4 ? erp.clientId : mobile,
          status,
          route: 'GET /V1/products',
        });
      }
      if (i % 3 === 1) await audit.record({ type: 'admin.login_failed', outcome: 'failure', actor: 'olivia' });
    }
    s.clock.set(now);
    await s.runtime.links.ensure(erp.clientId);
    await audit.flush();

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context);
      await expect(page.getByText('Tokens issued per day, last 7 days').first().isVisible()).resolves.toBe(true);
      await checkPage(page, 'readme-overview', 'desktop');
    } finally {
      await context.close();
    }
  });
});
