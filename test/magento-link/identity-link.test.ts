import supertest from 'supertest';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  confirmInPopup,
  hiddenFields,
  linkUrlsFromCli,
  popupUrl,
  startLinkFixture,
  type LinkFixture,
} from '../support/magento-link-fixture.js';

describe('Identity Link page', () => {
  let f: LinkFixture;
  let consumerKey: string;
  let path: string;
  const callback = () => `${f.emu.baseUrl}/admin/admin/integration/loginSuccessCallback/`;
  const open = (agent: ReturnType<typeof supertest.agent>, key = consumerKey, cb = callback()) => {
    const u = new URL(popupUrl(f.urls.identity_link_url, key, cb));
    return agent.get(u.pathname + u.search);
  };
  const signIn = async (agent: ReturnType<typeof supertest.agent>, cb = callback()) => {
    const page = await open(agent, consumerKey, cb);
    const login = await agent
      .post(`${path}/login`)
      .type('form')
      .send({ ...hiddenFields(page.text), username: ADMIN.username, password: ADMIN.password });
    expect(login.status).toBe(303);
    return agent.get(login.headers.location!);
  };

  /** When set, the token exchange waits for it (to confirm while the link is still pending). */
  let gate: Promise<void> | null = null;
  beforeAll(async () => {
    f = await startLinkFixture({
      handshake: () => ({
        fetch: async (url, init) => {
          if (gate) await gate;
          return undiciFetch(url, init);
        },
      }),
    });
    path = new URL(f.urls.identity_link_url).pathname;
    const integration = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
    consumerKey = integration.consumerKey;
    await f.emu.activate(integration.id, f.urls.endpoint_url);
    await f.s.runtime.activation.idle();
    expect((await f.s.runtime.links.get(f.clientId))?.status).toBe('awaiting_confirmation');
  });
  afterAll(() => f.close());

  it('has no query string in the configured URL and refuses unknown links', async () => {
    expect(f.urls.identity_link_url).not.toContain('?');
    const res = await f.s.request.get(`/magento/identity/nope?oauth_consumer_key=${consumerKey}`);
    expect(res.status).toBe(404);
    expect(res.text).toContain('Unknown identity link');
  });

  it("refuses a consumer key that is not the link's current consumer, with a clear page", async () => {
    const agent = supertest.agent(f.s.baseUrl);
    const wrong = await open(agent, 'a'.repeat(32));
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('This integration does not match this app');
    expect(wrong.text).not.toContain('name="password"');
    const missing = await agent.get(path);
    expect(missing.status).toBe(400);
    const refused = await f.s.runtime.audit.list({ type: 'magento.identity_link_refused' });
    expect(refused.map((e) => e.details?.reason)).toEqual(
      expect.arrayContaining(['consumer_mismatch', 'consumer_missing']),
    );
  });

  it('refuses a consumer key swapped into the form after the page was served', async () => {
    const agent = supertest.agent(f.s.baseUrl);
    const page = await open(agent);
    const res = await agent
      .post(`${path}/login`)
      .type('form')
      .send({
        ...hiddenFields(page.text),
        oauth_consumer_key: 'b'.repeat(32),
        username: ADMIN.username,
        password: ADMIN.password,
      });
    expect(res.status).toBe(400);
  });

  it("requires the CSRF token and this browser's flow on every POST", async () => {
    const agent = supertest.agent(f.s.baseUrl);
    const page = await open(agent);
    const fields = hiddenFields(page.text);
    const noCsrf = await agent
      .post(`${path}/login`)
      .type('form')
      .send({ ...fields, _csrf: 'forged', username: ADMIN.username, password: ADMIN.password });
    expect(noCsrf.status).toBe(403);
    // Another browser (no cookie) cannot use the token either.
    const other = await supertest(f.s.baseUrl)
      .post(`${path}/login`)
      .type('form')
      .send({ ...fields, username: ADMIN.username, password: ADMIN.password });
    expect(other.status).toBe(410);
    expect((await f.s.runtime.audit.list({ type: 'security.csrf_failed' })).length).toBeGreaterThan(0);
  });

  it('refuses a wrong password and never shows the confirmation', async () => {
    const agent = supertest.agent(f.s.baseUrl);
    const page = await open(agent);
    const res = await agent
      .post(`${path}/login`)
      .type('form')
      .send({ ...hiddenFields(page.text), username: ADMIN.username, password: 'wrong password here' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('The username or password is incorrect');
    const again = await open(agent);
    expect(again.text).toContain('name="password"');
    expect(again.text).not.toContain('name="code"');
  });

  it('requires a valid, fresh TOTP code to confirm', async () => {
    const agent = supertest.agent(f.s.baseUrl);
    const confirmPage = await signIn(agent);
    expect(confirmPage.text).toContain('name="code"');
    const fields = hiddenFields(confirmPage.text);
    const none = await agent.post(`${path}/confirm`).type('form').send(fields);
    expect(none.status).toBe(401);
    const wrong = await agent
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...fields, code: '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That code is not valid');
    expect((await f.s.runtime.links.get(f.clientId))?.status).toBe('awaiting_confirmation');
    // The same code twice (here from two popups): the second use is refused (TOTP replay protection).
    const code = f.nextCode();
    const used = supertest.agent(f.s.baseUrl);
    const otherConfirm = await signIn(used);
    const first = await used
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...hiddenFields(otherConfirm.text), code });
    expect(first.status).toBe(200);
    const replay = await agent
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...fields, code });
    expect(replay.status).toBe(401);
  });

  it('does not redirect to a success_call_back outside the Magento store (no open redirect)', async () => {
    const agent = supertest.agent(f.s.baseUrl);
    const evil = 'https://evil.example/phish';
    const confirmPage = await signIn(agent, evil);
    const done = await agent
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...hiddenFields(confirmPage.text), code: f.nextCode() });
    expect(done.status).toBe(200);
    expect(done.text).not.toContain('evil.example');
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect(done.text).toContain('You can close this window');
    const [confirmed] = await f.s.runtime.audit.list({ type: 'magento.link_confirmed' });
    expect(confirmed!.details).toMatchObject({ redirect: 'refused' });
    for (const bad of [
      'javascript:alert(1)',
      `${f.emu.baseUrl.replace('127.0.0.1', 'localhost')}/x`,
      `//evil.example/`,
    ]) {
      const a = supertest.agent(f.s.baseUrl);
      const p = await signIn(a, bad);
      const d = await a
        .post(`${path}/confirm`)
        .type('form')
        .send({ ...hiddenFields(p.text), code: f.nextCode() });
      expect(d.text).not.toContain('http-equiv="refresh"');
    }
  });

  it('can be cancelled: nothing is confirmed and the flow ends', async () => {
    await f.s.testDb
      .db('magento_links')
      .where({ client_id: f.clientId })
      .update({ confirmed_at: null, confirmed_by: null, status: 'awaiting_confirmation' });
    const agent = supertest.agent(f.s.baseUrl);
    const confirmPage = await signIn(agent);
    const fields = hiddenFields(confirmPage.text);
    const cancel = await agent.post(`${path}/cancel`).type('form').send(fields);
    expect(cancel.status).toBe(200);
    expect(cancel.text).toContain('Not confirmed');
    const after = await agent
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...fields, code: f.nextCode() });
    expect(after.status).toBe(410);
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toBeNull();
  });

  it('refuses admins without TOTP', async () => {
    await f.s.runtime.admins.management.create({
      username: 'no-second-factor',
      password: 'Another long passphrase 42',
      withTotp: false,
    });
    const agent = supertest.agent(f.s.baseUrl);
    const page = await open(agent);
    const res = await agent
      .post(`${path}/login`)
      .type('form')
      .send({ ...hiddenFields(page.text), username: 'no-second-factor', password: 'Another long passphrase 42' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Two-factor authentication is required');
  });

  it('sends the security headers of the other pages', async () => {
    const res = await open(supertest.agent(f.s.baseUrl));
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('confirmed before the token exchange finished: becomes active once it completes', async () => {
    const { client } = await f.s.runtime.clients.create({
      name: 'Late app',
      type: 'confidential',
      redirectUris: ['https://late.example/cb'],
      scopes: ['catalog:read'],
    });
    const urls = await linkUrlsFromCli(f.cli, client.clientId);
    let release: () => void = () => {};
    gate = new Promise<void>((r) => (release = r));
    const integration = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
    await f.emu.activate(integration.id, urls.endpoint_url);
    expect((await f.s.runtime.links.get(client.clientId))?.status).toBe('pending');
    const { done } = await confirmInPopup(f, integration.consumerKey, undefined, urls);
    expect(done.text).toContain('becomes connected as soon as the token exchange');
    expect(await f.s.runtime.links.activeCredentials(client.clientId)).toBeNull();
    gate = null;
    release();
    await f.s.runtime.activation.idle();
    expect(await f.s.runtime.links.get(client.clientId)).toMatchObject({
      status: 'active',
      confirmedBy: 'store-owner',
    });
    expect(await f.s.runtime.links.activeCredentials(client.clientId)).not.toBeNull();
  });
});
