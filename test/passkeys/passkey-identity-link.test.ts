// The Identity Link popup's confirmation takes a fresh passkey assertion like consent does, and
// ADMIN_SECOND_FACTOR=passkey holds there too (a code is refused once the admin has a passkey).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { ADMIN, hiddenFields, popupUrl, startLinkFixture, type LinkFixture } from '../support/magento-link-fixture.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { passkeyOptions } from './passkey-helpers.js';

describe(`Identity Link confirmation with a passkey (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let f: LinkFixture;
  let key: SoftwareAuthenticator;
  beforeAll(async () => {
    f = await startLinkFixture({ env: { ADMIN_SECOND_FACTOR: 'passkey' } });
    const admin = await f.s.runtime.admins.management.get(ADMIN.username);
    key = new SoftwareAuthenticator(f.s.config.issuer);
    const passkeys = f.s.runtime.admins.passkeys;
    const options = await passkeys.registrationOptions({ id: admin.id, username: admin.username }, 'test:enrol');
    const enrolled = await passkeys.finishRegistration({
      adminId: admin.id,
      binding: 'test:enrol',
      response: JSON.stringify(key.register(options)),
      name: 'Phone',
      from: { ip: '127.0.0.1' },
    });
    expect(enrolled.ok).toBe(true);
  });
  afterAll(() => f.close());

  it('offers only the passkey, refuses a code, confirms with a fresh assertion once', async () => {
    const integration = f.emu.createIntegration({ name: 'Warehouse Sync', resources: ['Magento_Catalog::products'] });
    await f.emu.activate(integration.id, f.urls.endpoint_url);
    await f.s.runtime.activation.idle();
    const agent = supertest.agent(f.s.baseUrl);
    const popup = new URL(
      popupUrl(
        f.urls.identity_link_url,
        integration.consumerKey,
        `${f.emu.baseUrl}/admin/admin/integration/loginSuccessCallback/`,
      ),
    );
    const path = new URL(f.urls.identity_link_url).pathname;
    const page = await agent.get(popup.pathname + popup.search);
    const login = await agent
      .post(`${path}/login`)
      .type('form')
      .send({ ...hiddenFields(page.text), username: ADMIN.username, password: ADMIN.password });
    expect(login.status).toBe(303);
    const confirm = await agent.get(login.headers.location!);
    expect(confirm.text).not.toContain('name="code"');
    expect(confirm.text).toContain('data-passkey="assert"');
    expect(confirm.headers['content-security-policy']).toMatch(/script-src 'nonce-/);

    const byCode = await agent
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...hiddenFields(confirm.text), code: f.nextCode() });
    expect(byCode.status).toBe(401);
    expect(byCode.text).toContain('authentication codes are not accepted here');
    expect((await f.s.runtime.links.get(f.clientId))?.status).toBe('awaiting_confirmation');

    const response = JSON.stringify(key.assert(passkeyOptions(byCode.text)));
    const done = await agent
      .post(`${path}/confirm`)
      .type('form')
      .send({ ...hiddenFields(byCode.text), passkey_response: response });
    expect(done.status).toBe(200);
    expect((await f.s.runtime.links.get(f.clientId))?.status).toBe('active');
    await f.s.runtime.audit.flush();
    const [confirmed] = await f.s.runtime.audit.list({ type: 'magento.link_confirmed' });
    expect(confirmed!.details).toMatchObject({ secondFactor: 'passkey' });
    const [refused] = await f.s.runtime.audit.list({ type: 'admin.second_factor_refused' });
    expect(refused!.details).toMatchObject({ where: 'identity_link' });
  });
});
