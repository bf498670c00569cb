// The console's Store link page: each app's link status, the two URLs to paste into Magento (the
// ones magento:link-urls prints), Reauthorize (re-arms the Endpoint URL), mode, Revoke (step-up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinkFixture, type LinkFixture } from '../support/magento-link-fixture.js';
import { linkToEmulator } from '../support/linked-client.js';
import { consoleAdmin, post, postWithStepUp, type ConsoleAdmin } from '../support/console-flows.js';
import { decodeEntities, findForm, heading } from '../support/page-flows.js';
import { hasForm } from '../support/page-browser.js';

let f: LinkFixture;
let olga: ConsoleAdmin;
let ava: ConsoleAdmin;
let fresh: string;
let linked: string;

const newClient = async (name: string) =>
  (
    await f.s.runtime.clients.create({
      name,
      type: 'confidential',
      redirectUris: ['https://app.example/callback'],
      scopes: ['catalog:read'],
    })
  ).client.clientId;
const detail = (id: string) => `/admin/links/${encodeURIComponent(id)}`;
const audited = async (type: 'magento.activation_armed' | 'magento.link_revoked' | 'magento.link_mode_changed') => {
  await f.s.runtime.audit.flush();
  return f.s.runtime.audit.list({ type });
};
const armedUntil = async (clientId: string) =>
  (await f.s.runtime.db('magento_links').where({ client_id: clientId }).first('armed_until'))?.armed_until ?? null;
const codeOf = (html: string, id: string) =>
  decodeEntities(new RegExp(`<code[^>]*id="${id}"[^>]*>([^<]*)</code>`).exec(html)![1]!);

beforeAll(async () => {
  f = await startLinkFixture();
  fresh = await newClient('Label Printer');
  linked = await newClient('Price Feed');
  await linkToEmulator(f.s, f.emu, linked);
  olga = await consoleAdmin(f.s, 'olga', 'owner');
  ava = await consoleAdmin(f.s, 'ava', 'auditor');
});
afterAll(async () => f?.close());

describe(`console store link (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('signed out, the pages send to the sign-in page', async () => {
    for (const path of ['/admin/links', detail(f.clientId)]) {
      const res = await fetch(`${f.s.baseUrl}${path}`, { redirect: 'manual' });
      expect([res.status, res.headers.get('location')]).toEqual([302, '/admin/sign-in']);
    }
  });

  it("lists every app's link: status, last handshake, signing profile, mode, and a Diagnostics link", async () => {
    const page = await olga.browser.go('GET', '/admin/links');
    expect(heading(page.html)).toBe('Store link');
    const rowOf = (name: string) => page.html.split('<tr>').find((r) => r.includes(name))!;
    expect(rowOf('Warehouse Sync')).toContain('Awaiting Magento');
    expect(rowOf('Label Printer')).toContain('Not linked');
    expect(rowOf('Price Feed')).toContain('Active');
    expect(rowOf('Price Feed')).toContain('oauth1');
    expect(page.html).toContain(`href="/admin/doctor?client=${encodeURIComponent(linked)}"`);
  });

  it('shows the URLs magento:link-urls prints, with copy buttons; pasted into Magento, they link the store', async () => {
    const page = await olga.browser.go('GET', detail(f.clientId));
    expect(codeOf(page.html, 'endpoint-url')).toBe(f.urls.endpoint_url);
    expect(codeOf(page.html, 'identity-url')).toBe(f.urls.identity_link_url);
    expect(page.html).toContain('data-copy="endpoint-url"');
    expect(page.html).toContain('data-copy="identity-url"');

    // A new app: no link yet, so no URLs until the owner asks for them (which arms the Endpoint URL).
    const none = await olga.browser.go('GET', detail(fresh));
    expect(none.html).not.toContain('id="endpoint-url"');
    expect(await f.s.runtime.links.get(fresh)).toBeNull();
    const armed = await post(olga.browser, none, `${detail(fresh)}/arm`);
    expect(armed.status).toBe(200);
    expect(armed.html).toContain('The Endpoint URL accepts an Activate for the next hour');
    expect(new Date(await armedUntil(fresh)).getTime()).toBeGreaterThan(f.s.clock.now());
    expect((await audited('magento.activation_armed')).find((e) => e.clientId === fresh)).toMatchObject({
      actor: 'olga',
    });
    // Magento's Activate on the URL the console shows: the real handshake runs (magento-link/).
    const integration = f.emu.createIntegration({ all: true });
    await f.emu.activate(integration.id, codeOf(armed.html, 'endpoint-url'));
    await f.s.runtime.activation.idle();
    expect((await f.s.runtime.links.get(fresh))?.status).toBe('awaiting_confirmation');
    const after = await olga.browser.go('GET', detail(fresh));
    expect(after.html).toContain('Awaiting confirmation');
    expect(after.html).toMatch(/Last handshake<\/dt><dd><time datetime="[^"]+"/);
  });

  it('switches the mode of an active link, verifying bearer with the store first', async () => {
    const page = await olga.browser.go('GET', detail(linked));
    const refused = await post(olga.browser, page, `${detail(linked)}/mode`, { mode: 'bearer' });
    expect(refused.status).toBe(400);
    expect(decodeEntities(refused.html)).toContain('Mode unchanged:');
    expect((await f.s.runtime.links.get(linked))?.mode).toBe('oauth1');
    f.emu.setBearerEnabled(true);
    try {
      const ok = await post(olga.browser, page, `${detail(linked)}/mode`, { mode: 'bearer' });
      expect(ok.html).toContain('integration token as a bearer token');
      expect((await f.s.runtime.links.activeCredentials(linked))?.mode).toBe('bearer');
    } finally {
      f.emu.setBearerEnabled(false);
    }
    const back = await post(olga.browser, page, `${detail(linked)}/mode`, { mode: 'oauth1' });
    expect(back.status).toBe(200);
    expect((await f.s.runtime.links.get(linked))?.mode).toBe('oauth1');
    const rows = (await audited('magento.link_mode_changed')).filter((e) => e.clientId === linked);
    expect(rows.map((e) => [e.actor, e.details?.mode])).toEqual([
      ['olga', 'oauth1'],
      ['olga', 'bearer'],
    ]);
  });

  it('Revoke asks for a fresh code, then forgets the credentials; Reauthorize re-arms the link', async () => {
    const page = await olga.browser.go('GET', detail(linked));
    const confirm = await post(olga.browser, page, `${detail(linked)}/revoke`);
    expect(heading(confirm.html)).toBe('Revoke the Magento link of “Price Feed”?');
    expect(await f.s.runtime.links.activeCredentials(linked)).not.toBeNull();
    const form = findForm(confirm.html, 'revoke');
    const wrong = await olga.browser.go('POST', form.action, { ...form.hidden, code: '000000' });
    expect(wrong.status).toBe(401);
    expect(await f.s.runtime.links.activeCredentials(linked)).not.toBeNull();

    const [, done] = await postWithStepUp(f.s, olga, page, `${detail(linked)}/revoke`);
    expect(done.html).toContain('The Magento link is revoked');
    expect(await f.s.runtime.links.activeCredentials(linked)).toBeNull();
    expect((await f.s.runtime.links.get(linked))?.status).toBe('revoked');
    expect((await audited('magento.link_revoked')).find((e) => e.clientId === linked)).toMatchObject({
      actor: 'olga',
    });
    // Revoked: Reauthorize opens the Endpoint URL again for the store's new Activate.
    expect(hasForm(done.html, 'revoke')).toBe(false);
    const again = await post(olga.browser, done, `${detail(linked)}/arm`);
    expect(again.status).toBe(200);
    expect(new Date(await armedUntil(linked)).getTime()).toBeGreaterThan(f.s.clock.now());
  });

  it('an auditor sees status but no URLs and no write controls; every write POST is refused (403)', async () => {
    const list = await ava.browser.go('GET', '/admin/links');
    expect(list.status).toBe(200);
    const page = await ava.browser.go('GET', detail(f.clientId));
    expect(page.status).toBe(200);
    expect(page.html).toContain('Awaiting Magento');
    expect(page.html).not.toContain(f.urls.endpoint_url);
    for (const step of ['arm', 'revoke', 'mode']) expect(hasForm(page.html, step)).toBe(false);
    const before = await f.s.runtime.links.get(f.clientId);
    for (const step of ['arm', 'revoke', 'mode'])
      expect((await post(ava.browser, page, `${detail(f.clientId)}/${step}`, { mode: 'bearer' })).status).toBe(403);
    expect(await f.s.runtime.links.get(f.clientId)).toEqual(before);
  });

  it('a write without the CSRF token is refused (403) and changes nothing', async () => {
    const before = await f.s.runtime.links.get(f.clientId);
    for (const step of ['arm', 'revoke', 'mode'])
      expect((await olga.browser.go('POST', `${detail(f.clientId)}/${step}`, { mode: 'bearer' })).status).toBe(403);
    expect(await f.s.runtime.links.get(f.clientId)).toEqual(before);
  });

  it('an unknown app is a 404', async () => {
    expect((await olga.browser.go('GET', detail('nope'))).status).toBe(404);
  });
});
