// Drives the admin console over HTTP as a browser would: sign in, then pages, forms and the
// step-up confirmation (a fresh TOTP code) of destructive actions.
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';
import { Browser, PASSWORD, createAdmin, findForm, heading, nextStep, totpNow, type Page } from './page-flows.js';

export interface ConsoleAdmin {
  username: string;
  secret: string;
  browser: Browser;
}

/** A new admin with `role`, signed in to the console (password, then a TOTP code). */
export async function consoleAdmin(
  s: TestServer,
  username: string,
  role: 'owner' | 'auditor' = 'owner',
): Promise<ConsoleAdmin> {
  const { secret } = await createAdmin(s, username, { role });
  return { username, secret: secret!, browser: await signInConsole(s, username, secret!) };
}

export async function signInConsole(s: TestServer, username: string, secret: string): Promise<Browser> {
  const b = new Browser(s.baseUrl);
  const login = await b.go('GET', '/admin/sign-in');
  const code = await b.submit(login, 'sign-in', { username, password: PASSWORD });
  expect(heading(code.html)).toBe('Two-factor authentication');
  nextStep(s);
  const home = await b.submit(code, 'code', { code: totpNow(s, secret) });
  expect(home.status).toBe(200);
  return b;
}

/** The session's CSRF token, from any signed-in page (the sign-out form carries it). */
export function csrfOf(page: Page): string {
  return findForm(page.html, 'sign-out').hidden._csrf!;
}

/** POSTs `fields` to `action` with the session's CSRF token, as a form on `page` would. */
export function post(b: Browser, page: Page, action: string, fields: Record<string, string> = {}): Promise<Page> {
  return b.go('POST', action, { _csrf: csrfOf(page), ...fields });
}

/**
 * A destructive action end to end: the first POST must answer the confirmation page (nothing done
 * yet), the second carries a fresh code. Returns [confirmation page, result page].
 */
export async function postWithStepUp(
  s: TestServer,
  admin: ConsoleAdmin,
  page: Page,
  action: string,
  fields: Record<string, string> = {},
): Promise<[Page, Page]> {
  const confirm = await post(admin.browser, page, action, fields);
  expect(confirm.status).toBe(200);
  expect(confirm.html).toContain('name="code"');
  nextStep(s);
  const form = findForm(confirm.html, action.split('/').pop()!);
  const done = await admin.browser.go('POST', form.action, { ...form.hidden, code: totpNow(s, admin.secret) });
  return [confirm, done];
}
