import { expect } from 'vitest';
import { decodeEntities, findForm, type Browser, type Page } from '../support/page-flows.js';
import type { SoftwareAuthenticator, CeremonyOptions } from '../support/software-authenticator.js';

/** The WebAuthn options a page carries for passkeys.js (data-passkey-options of its passkey form). */
export function passkeyOptions(html: string): { challenge: string; rpId?: string; rp?: { id?: string } } {
  const m = /data-passkey-options="([^"]*)"/.exec(html);
  if (!m) throw new Error(`no passkey form on page:\n${html.slice(0, 1500)}`);
  return JSON.parse(decodeEntities(m[1]!)) as { challenge: string };
}

/** What passkeys.js does on an assertion form: the ceremony, the response in the hidden field, submit. */
export async function submitAssertion(
  b: Browser,
  page: Page,
  step: string,
  key: SoftwareAuthenticator,
  o: CeremonyOptions = {},
): Promise<{ page: Page; response: string; form: ReturnType<typeof findForm> }> {
  const response = JSON.stringify(key.assert(passkeyOptions(page.html), o));
  const form = findForm(page.html, step);
  expect(form.hidden.passkey_response).toBe('');
  return { page: await b.go('POST', form.action, { ...form.hidden, passkey_response: response }), response, form };
}

export async function submitRegistration(
  b: Browser,
  page: Page,
  step: string,
  key: SoftwareAuthenticator,
  name: string,
  o: CeremonyOptions = {},
): Promise<Page> {
  const response = JSON.stringify(key.register(passkeyOptions(page.html), o));
  const form = findForm(page.html, step);
  return b.go('POST', form.action, { ...form.hidden, passkey_response: response, name });
}
