import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';
import type { TestServer } from '../support/test-server.js';
import {
  PASSWORD,
  REDIRECT_URI,
  authorizationUrl,
  createAdmin,
  createClient,
  exchangeCode,
  nextStep,
  totpNow,
} from '../support/page-flows.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-results';

/**
 * The test server with ISSUER on `localhost`: browsers refuse an IP address as WebAuthn relying-party
 * id, and accept http://localhost as a secure context. Same composition root as test-server.ts.
 */
async function startLocalhostServer(): Promise<TestServer> {
  const testDb = await createTestDb();
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://localhost:${port}`;
  const config = loadConfig(testEnv({ PORT: String(port), ISSUER: baseUrl, DATABASE_URL: testDb.url ?? undefined }));
  const clock = createFakeClock();
  const runtime = await createRuntime(config, {
    db: testDb.db,
    clock,
    logger: createLogger({ level: config.logLevel }),
    changeFeedUrl: testDb.url,
  });
  await runtime.start({ server });
  return {
    baseUrl,
    config,
    runtime,
    testDb,
    clock,
    request: supertest(`http://127.0.0.1:${port}`),
    async close() {
      server.closeAllConnections();
      await runtime.stop();
      await testDb.destroy();
    },
  };
}

/** Real Chromium, real pages, Chromium's virtual authenticator (DevTools WebAuthn domain). */
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('passkeys in a real browser (Debian Chromium)', () => {
  let s: TestServer;
  let browser: Browser;
  let client: { clientId: string; secret: string };
  let secret: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startLocalhostServer();
    client = await createClient(s);
    secret = (await createAdmin(s, 'pam')).secret!;
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
  function appCallback(page: Page): Promise<URL> {
    return new Promise<URL>((resolve) => {
      void page.route(`${new URL(REDIRECT_URI).origin}/**`, async (route) => {
        resolve(new URL(route.request().url()));
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title>' });
      });
    });
  }

  async function approvedWith(page: Page, click: () => Promise<void>, verifier: string) {
    await page.unrouteAll();
    const callback = appCallback(page);
    await click();
    const cb = await callback;
    const tokens = await exchangeCode(s, client, cb.searchParams.get('code')!, verifier);
    expect(tokens.status).toBe(200);
  }

  it('enrols a passkey after the code, approves an app with it, and signs in with it', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    // What failed to load, by URL (the browser's own /favicon.ico probe aside).
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    // 1. Password, code with "then add a passkey", the passkey named and created.
    let flow = authorizationUrl(s, client.clientId);
    await page.goto(flow.url);
    await page.getByLabel('Username').fill('pam');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Authentication code').fill(totpNow(s, secret));
    await page.getByLabel('Then add a passkey').check();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    await page.getByLabel('Name for this passkey').fill('Virtual key');
    await page.screenshot({ path: `${SHOTS}/passkey-enrol.png`, fullPage: true });
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    const adminId = (await s.runtime.admins.management.get('pam')).id;
    const [stored] = await s.runtime.admins.passkeys.list(adminId);
    expect(stored).toMatchObject({ name: 'Virtual key' });
    expect(Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url')).toBe(stored!.credentialId);
    await approvedWith(page, () => page.getByRole('button', { name: 'Approve', exact: true }).click(), flow.verifier);

    // 2. Same session, a new authorization: approved with a fresh passkey assertion (no code typed).
    flow = authorizationUrl(s, client.clientId);
    await page.goto(flow.url);
    await page.getByRole('button', { name: 'Approve with a passkey' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/passkey-consent.png`, fullPage: true });
    await approvedWith(page, () => page.getByRole('button', { name: 'Approve with a passkey' }).click(), flow.verifier);
    const [approval] = await s.runtime.audit.list({ type: 'consent.approved', actor: 'pam' });
    expect(approval!.details).toMatchObject({ secondFactor: 'passkey' });

    // 3. Signed out (cookies gone): password, then the passkey instead of the code.
    await context.clearCookies();
    flow = authorizationUrl(s, client.clientId);
    await page.goto(flow.url);
    await page.getByLabel('Username').fill('pam');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    expect(await page.content()).toContain('confirmed by the passkey you used when signing in');
    await approvedWith(page, () => page.getByRole('button', { name: 'Approve', exact: true }).click(), flow.verifier);
    const [login] = await s.runtime.audit.list({ type: 'admin.login', actor: 'pam' });
    expect(login!.details).toMatchObject({ secondFactor: 'passkey' });
    expect((await s.runtime.admins.passkeys.list(adminId))[0]!.counter).toBeGreaterThan(0);
    expect(errors, errors.join('\n')).toEqual([]); // no CSP violation, no script error
    await context.close();
  }, 120_000);

  it('without JavaScript the passkey path explains itself and the code still works', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const flow = authorizationUrl(s, client.clientId);
    await page.goto(flow.url);
    await page.getByLabel('Username').fill('pam');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Passkeys need JavaScript, which is off in this browser.').waitFor();
    expect(await page.getByRole('button', { name: 'Use a passkey' }).count()).toBe(0); // hidden: it would do nothing
    nextStep(s);
    await page.getByLabel('Authentication code').fill(totpNow(s, secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await approvedWith(page, () => page.getByRole('button', { name: 'Approve', exact: true }).click(), flow.verifier);
    await context.close();
  }, 60_000);

  it('a browser with no authenticator available is told so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      // As in a browser without WebAuthn: no PublicKeyCredential.
      Object.defineProperty(window, 'PublicKeyCredential', { value: undefined });
    });
    await page.goto(authorizationUrl(s, client.clientId).url);
    await page.getByLabel('Username').fill('pam');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('This browser has no passkey support').waitFor();
    await expect(page.getByLabel('Authentication code').isVisible()).resolves.toBe(true);
    await context.close();
  }, 60_000);
});
