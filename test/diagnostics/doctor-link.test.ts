// Per client: the link's state and the 300 s consumer window, the integration token, the ACL both
// ways, bearer mode against the store's setting; and the exit codes they add up to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';

describe('doctor: a client and its Magento link', () => {
  let f: DoctorFixture;
  beforeAll(async () => {
    f = await startDoctorFixture();
  });
  afterAll(() => f?.close());
  const integrationOf = async (clientId: string) => {
    const creds = await f.s.runtime.links.activeCredentials(clientId);
    return [...f.emu.integrations.values()].find((i) => i.consumerKey === creds!.consumerKey)!;
  };

  it('a link granted exactly what its scopes need passes; one lacking a resource fails, naming it and where to tick it', async () => {
    const healthy = await f.linkedClient({ resources: ['Magento_Catalog::products'] });
    const ok = await f.doctor('--client', healthy);
    for (const id of ['link.state', 'link.consumer_window', 'link.token', 'link.acl_missing', 'link.acl_extra'])
      expect(f.check(ok.checks, id).status, id).toBe('pass');
    expect(f.check(ok.checks, 'link.acl_missing').details.granted).toEqual(['Magento_Catalog::products']);
    expect(ok.code).toBe(0);

    const lacking = await f.linkedClient({ scopes: ['catalog:read'], resources: ['Magento_Backend::store'] });
    const r = await f.doctor('--client', lacking);
    const acl = f.check(r.checks, 'link.acl_missing');
    expect(acl.status).toBe('fail');
    expect(acl.details.missing).toEqual(['Magento_Catalog::products']);
    expect(acl.message).toContain("lacks 1 resource(s) the app's scopes need: Magento_Catalog::products");
    expect(acl.fix).toContain('System › Extensions › Integrations');
    expect(acl.fix).toContain('Resource Access: Custom, tick');
    expect(acl.fix).toContain('tick Products › Inventory › Catalog (Magento_Catalog::products)');
    expect(r.code).toBe(1);
  });

  it('least privilege: resources granted that no scope uses are a warning (exit 2 when nothing fails)', async () => {
    const everything = await f.linkedClient({ scopes: ['catalog:read'] }); // Resource Access: All
    const r = await f.doctor('--client', everything);
    const extra = f.check(r.checks, 'link.acl_extra');
    expect(extra.status).toBe('warn');
    expect(extra.details.unused_granted).toEqual(
      expect.arrayContaining(['Magento_Sales::actions_view', 'Magento_Customer::customer', 'Magento_Backend::store']),
    );
    expect(extra.fix).toContain('untick');
    expect(extra.fix).toContain('(Magento_Sales::actions_view)');
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(2);
  });

  it('the integration token refused by Magento (revoked there) fails link.token with the Reauthorize fix', async () => {
    const clientId = await f.linkedClient();
    f.emu.revokeAccessToken((await integrationOf(clientId)).id);
    const r = await f.doctor('--client', clientId);
    const token = f.check(r.checks, 'link.token');
    expect(token.status).toBe('fail');
    expect(token.message).toContain('Access token has been revoked');
    expect(token.fix).toContain('click Reauthorize');
    expect(f.check(r.checks, 'link.acl_missing').message).toBe(
      'skipped: the integration token is not accepted (link.token)',
    );
  });

  it('bearer mode fails while the store refuses integration tokens as bearer, and passes once it allows them', async () => {
    const clientId = await f.linkedClient({ mode: 'bearer', resources: ['Magento_Catalog::products'] });
    const off = f.check((await f.doctor('--client', clientId)).checks, 'link.bearer');
    expect(off.status).toBe('fail');
    expect(off.message).toContain('the store refuses the integration token as a bearer token');
    expect(off.fix).toContain('Allow OAuth Access Tokens to be used as standalone Bearer tokens');
    expect(off.fix).toContain(`magento:set-mode --client ${clientId} --mode oauth1`);
    f.emu.setBearerEnabled(true);
    try {
      const on = f.check((await f.doctor('--client', clientId)).checks, 'link.bearer');
      expect(on).toMatchObject({ status: 'pass', details: { mode: 'bearer', bearer_accepted: true } });
    } finally {
      f.emu.setBearerEnabled(false);
    }
    // An OAuth 1.0a link does not need it either way.
    const signed = await f.linkedClient({ resources: ['Magento_Catalog::products'] });
    const oauth1 = f.check((await f.doctor('--client', signed)).checks, 'link.bearer');
    expect(oauth1.status).toBe('pass');
    expect(oauth1.message).toContain('the store refuses integration tokens as bearer tokens (not needed)');
  });

  it('no link at all, and a link whose consumer expired before the token exchange', async () => {
    const { client } = await f.s.runtime.clients.create({
      name: 'Unlinked',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
    });
    const none = await f.doctor('--client', client.clientId);
    const state = f.check(none.checks, 'link.state');
    expect(state.status).toBe('fail');
    expect(state.fix).toContain(`magento:link-urls --client ${client.clientId}`);
    expect(f.check(none.checks, 'link.consumer_window').status).toBe('skip');

    // What the handshake records when Magento answers 401 "Consumer key has expired".
    const links = f.s.runtime.links;
    await links.ensure(client.clientId);
    await links.arm(client.clientId);
    const activation = { consumerKey: 'k'.repeat(32), consumerSecret: 's'.repeat(32), verifier: 'v'.repeat(32) };
    await links.recordActivation(client.clientId, { ...activation, storeBaseUrl: f.emu.storeBaseUrl });
    await links.markFailed(client.clientId, activation, 'Magento refused the request token: Consumer key has expired');
    const expired = await f.doctor('--client', client.clientId);
    expect(f.check(expired.checks, 'link.state').status).toBe('fail');
    const window = f.check(expired.checks, 'link.consumer_window');
    expect(window.status).toBe('fail');
    expect(window.message).toContain('the consumer expired before it (300 s after Activate)');
    expect(window.fix).toContain('Reauthorize');
    expect(window.fix).toContain('300 s');
  });

  it('an exchange still pending after Magento’s 300 s has expired', async () => {
    const { client } = await f.s.runtime.clients.create({
      name: 'Slow',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
    });
    const links = f.s.runtime.links;
    await links.ensure(client.clientId);
    await links.arm(client.clientId);
    const activation = { consumerKey: 'p'.repeat(32), consumerSecret: 'q'.repeat(32), verifier: 'r'.repeat(32) };
    await links.recordActivation(client.clientId, { ...activation, storeBaseUrl: f.emu.storeBaseUrl });
    const running = f.check((await f.doctor('--client', client.clientId)).checks, 'link.consumer_window');
    expect(running).toMatchObject({ status: 'pass', details: { age_s: 0 } });
    f.s.clock.advance(301_000); // last test of the file: the clocks disagree from here on
    const late = f.check((await f.doctor('--client', client.clientId)).checks, 'link.consumer_window');
    expect(late.status).toBe('fail');
    expect(late.message).toContain("Magento's consumer expired after 300 s");
  });
});
