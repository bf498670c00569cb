import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { signRequest } from '../../src/oauth1/oauth1-signer.js';
import { confirmInPopup, startLinkFixture, type LinkFixture } from '../support/magento-link-fixture.js';

describe('Magento link: activation → token exchange → identity-link confirmation', () => {
  let f: LinkFixture;
  let integrationId: number;
  let consumerKey: string;
  /** oauth_nonce of every token call the server made. */
  const nonces: string[] = [];
  beforeAll(async () => {
    f = await startLinkFixture({
      handshake: () => ({
        fetch: (url, init) => {
          nonces.push(/oauth_nonce="([^"]+)"/.exec(init.headers.authorization ?? '')?.[1] ?? '');
          return undiciFetch(url, init);
        },
      }),
    });
    const integration = f.emu.createIntegration({
      name: 'Warehouse Sync',
      resources: ['Magento_Catalog::products', 'Magento_Backend::store'],
    });
    integrationId = integration.id;
    consumerKey = integration.consumerKey;
  });
  afterAll(() => f.close());

  const signedGet = (
    path: string,
    c: { consumerKey: string; consumerSecret: string; token: string; tokenSecret: string },
  ) => {
    const url = `${f.emu.baseUrl}${path}`;
    const { authorization } = signRequest({ method: 'GET', url, ...c, timestamp: Math.floor(f.s.clock.now() / 1000) });
    return fetch(url, { headers: { authorization } });
  };

  it('exchanges the tokens after Activate, but keeps the link unused until an admin confirms', async () => {
    await f.emu.activate(integrationId, f.urls.endpoint_url);
    await f.s.runtime.activation.idle();
    const link = await f.s.runtime.links.get(f.clientId);
    expect(link).toMatchObject({
      status: 'awaiting_confirmation',
      hasAccessToken: true,
      lastError: null,
      storeBaseUrl: f.emu.storeBaseUrl,
    });
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toBeNull();
    expect(f.emu.getIntegration(integrationId).status).toBe('active');
    const tokenCalls = f.emu.verdicts.filter((v) => v.path.startsWith('/oauth/token/'));
    expect(tokenCalls.map((v) => [v.path, v.status])).toEqual([
      ['/oauth/token/request', 200],
      ['/oauth/token/access', 200],
    ]);
    const audit = await f.s.runtime.audit.list({ clientId: f.clientId });
    expect(audit.map((e) => e.type)).toEqual(
      expect.arrayContaining(['magento.activation_received', 'magento.link_active']),
    );
  });

  it('activates the link after password + TOTP in the popup and sends the popup back to Magento', async () => {
    const callback = `${f.emu.baseUrl}/admin/admin/integration/loginSuccessCallback/`;
    const { page, confirmPage, done } = await confirmInPopup(f, consumerKey, callback);
    expect(page.text).toContain('Warehouse Sync');
    expect(String(page.headers['set-cookie'])).toMatch(/magento_identity=.*httponly/i);
    expect(confirmPage.text).toContain('Connect this Magento integration to');
    expect(done.status).toBe(200);
    expect(done.text).toContain(`<meta http-equiv="refresh" content="0;url=${callback}">`);
    expect(done.text).toContain('is now connected');

    const link = await f.s.runtime.links.get(f.clientId);
    expect(link).toMatchObject({ status: 'active', confirmedBy: 'store-owner' });
    const [confirmed] = await f.s.runtime.audit.list({ type: 'magento.link_confirmed' });
    expect(confirmed).toMatchObject({ outcome: 'success', actor: 'store-owner', clientId: f.clientId });
    expect(confirmed!.details).toMatchObject({ status: 'active', secondFactor: 'totp', redirect: 'success_call_back' });
  });

  it('hands out credentials the store accepts for signed calls', async () => {
    const creds = await f.s.runtime.links.activeCredentials(f.clientId);
    expect(creds).toMatchObject({ mode: 'oauth1', consumerKey });
    const res = await signedGet('/rest/V1/store/storeConfigs', creds!);
    expect(res.status).toBe(200);
    expect(f.emu.verdicts.at(-1)).toMatchObject({ ok: true, reason: 'signature_valid', integrationId });
  });

  it('signs every token call with a fresh nonce of at most 32 alphanumerics', () => {
    expect(nonces.length).toBeGreaterThanOrEqual(2);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9]{1,32}$/);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(f.emu.verdicts.filter((v) => /nonce/i.test(v.reason))).toEqual([]);
  });

  it('keeps every secret sealed in the database', async () => {
    const creds = (await f.s.runtime.links.activeCredentials(f.clientId))!;
    const row = await f.s.testDb.db('magento_links').where({ client_id: f.clientId }).first();
    const dump = JSON.stringify(row);
    for (const secret of [creds.consumerKey, creds.consumerSecret, creds.token, creds.tokenSecret])
      expect(dump).not.toContain(secret);
    expect(row.consumer_secret_sealed).toBeTruthy();
    expect(row.access_token_sealed).toBeTruthy();
    expect(row.verifier_sealed).toBeNull(); // the verifier is dropped once used
    // Nor in the audit trail.
    await f.s.runtime.audit.flush();
    const audit = JSON.stringify(await f.s.testDb.db('audit_events').select());
    for (const secret of [creds.consumerKey, creds.consumerSecret, creds.token, creds.tokenSecret])
      expect(audit).not.toContain(secret);
    // A sealed value copied to another client's row does not open (AAD names row and column).
    await f.s.testDb.db('magento_links').insert({
      client_id: 'c_other',
      endpoint_token_hash: 'other-token-hash',
      endpoint_token_sealed: 'other-token-sealed',
      status: 'active',
      consumer_key_sealed: row.consumer_key_sealed,
      consumer_secret_sealed: row.consumer_secret_sealed,
      access_token_sealed: row.access_token_sealed,
      access_token_secret_sealed: row.access_token_secret_sealed,
    });
    await expect(f.s.runtime.links.activeCredentials('c_other')).rejects.toThrow();
    await f.s.testDb.db('magento_links').where({ client_id: 'c_other' }).delete();
  });

  it('replaces the credentials atomically on Reauthorize and needs a new confirmation', async () => {
    const old = (await f.s.runtime.links.activeCredentials(f.clientId))!;
    await f.emu.activate(integrationId, f.urls.endpoint_url);
    await f.s.runtime.activation.idle();
    expect(await f.s.runtime.links.get(f.clientId)).toMatchObject({
      status: 'awaiting_confirmation',
      confirmedAt: null,
    });
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toBeNull();
    // Magento dropped the old token on Reauthorize.
    expect((await signedGet('/rest/V1/store/storeConfigs', old)).status).toBe(401);

    const { done } = await confirmInPopup(f, consumerKey);
    expect(done.status).toBe(200);
    const fresh = (await f.s.runtime.links.activeCredentials(f.clientId))!;
    expect(fresh.token).not.toBe(old.token);
    expect(fresh.consumerKey).toBe(old.consumerKey); // Magento keeps the consumer on Reauthorize
    expect((await signedGet('/rest/V1/store/storeConfigs', fresh)).status).toBe(200);
  });

  const forge = () =>
    fetch(f.urls.endpoint_url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        oauth_consumer_key: 'f'.repeat(32),
        oauth_consumer_secret: 'e'.repeat(32),
        oauth_verifier: 'd'.repeat(32),
        store_base_url: f.emu.storeBaseUrl,
      }),
    });

  it('a forged activation POST (leaked endpoint URL) is refused and changes nothing', async () => {
    const before = (await f.s.runtime.links.activeCredentials(f.clientId))!;
    const view = await f.s.runtime.links.get(f.clientId);
    const calls = f.emu.verdicts.length;
    const forged = await forge();
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({
      error: 'access_denied',
      message: expect.stringContaining('magento:link-urls'),
    });
    await f.s.runtime.activation.idle();
    expect(f.emu.verdicts.length).toBe(calls); // no exchange was started
    expect(await f.s.runtime.links.get(f.clientId)).toEqual(view);
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toEqual(before);
    const [refused] = await f.s.runtime.audit.list({ type: 'magento.activation_refused' });
    expect(refused).toMatchObject({ outcome: 'denied', clientId: f.clientId, details: { refusal: 'not_armed' } });
  });

  it(
    'a forged POST while an admin armed the endpoint is exchanged on the side and never cuts the ' + 'working link off',
    async () => {
      const before = (await f.s.runtime.links.activeCredentials(f.clientId))!;
      expect((await f.cli(['magento:link-urls', '--client', f.clientId])).code).toBe(0);
      const forged = await forge();
      expect(forged.status).toBe(200); // as for Magento: accepted, then exchanged in the background
      await f.s.runtime.activation.idle();
      const link = (await f.s.runtime.links.get(f.clientId))!;
      expect(link).toMatchObject({ status: 'active', confirmedBy: 'store-owner', pendingActivationAt: null });
      expect(link.lastError).toMatch(/previous credentials are still in use/);
      expect(await f.s.runtime.links.activeCredentials(f.clientId)).toEqual(before);
      expect((await signedGet('/rest/V1/store/storeConfigs', before)).status).toBe(200);
    },
  );

  it('shows the state in magento:status without any secret', async () => {
    const creds = (await f.s.runtime.links.activeCredentials(f.clientId))!;
    const r = await f.cli(['magento:status', '--client', f.clientId, '--json']);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.out);
    expect(status).toMatchObject({
      client_id: f.clientId,
      status: 'active',
      mode: 'oauth1',
      confirmed_by: 'store-owner',
      has_access_token: true,
    });
    for (const secret of Object.values(creds)) if (secret.length === 32) expect(r.out).not.toContain(secret);
    const text = await f.cli(['magento:status', '--client', f.clientId]);
    expect(text.out).toMatch(/status:\s+active/);
  });
});
