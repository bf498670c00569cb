import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestServer } from '../support/test-server.js';
import { PASSWORD, createAdmin, nextStep, startInteractionServer, totpNow } from '../support/page-flows.js';
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

  for (const { name: width, viewport } of WIDTHS)
    it(`signs in and every section passes axe at ${width} width`, async () => {
      const context = await browser.newContext({ viewport });
      try {
        const page = await signIn(context);
        await checkPage(page, 'overview', width);
        // The CSP is on (scripts by nonce only) and the console's script ran without errors.
        expect((page as Page & { errors?: string[] }).errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
});
