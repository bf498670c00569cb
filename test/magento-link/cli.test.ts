import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinkFixture, type LinkFixture } from '../support/magento-link-fixture.js';

describe('magento:* and scopes:list commands', () => {
  let f: LinkFixture;
  beforeAll(async () => {
    f = await startLinkFixture();
  });
  afterAll(() => f.close());

  const creds = (integrationId: number) => {
    const t = f.emu.issueAccessToken(integrationId); // what "Save & Activate" shows in Magento
    return {
      consumer_key: t.consumerKey,
      consumer_secret: t.consumerSecret,
      access_token: t.accessToken,
      access_token_secret: t.accessTokenSecret,
    };
  };

  it('magento:link-urls prints both URLs for an existing client, the same ones every time', async () => {
    const r = await f.cli(['magento:link-urls', '--client', f.clientId, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ client_id: f.clientId, ...f.urls });
    expect(f.urls.endpoint_url).toMatch(new RegExp(`^${f.s.baseUrl}/magento/activate/[A-Za-z0-9_-]{32}$`));
    const text = await f.cli(['magento:link-urls', '--client', f.clientId]);
    expect(text.out).toContain(`Endpoint URL:       ${f.urls.endpoint_url}`);
    expect(text.out).toContain(`Identity Link URL:  ${f.urls.identity_link_url}`);
  });

  it('magento:link-urls creates the link of a new client and refuses unknown clients', async () => {
    const { client } = await f.s.runtime.clients.create({
      name: 'Second app',
      type: 'confidential',
      redirectUris: ['https://two.example/cb'],
      scopes: ['orders:read'],
    });
    expect(await f.s.runtime.links.get(client.clientId)).toBeNull();
    const r = await f.cli(['magento:link-urls', '--client', client.clientId, '--json']);
    expect(r.code).toBe(0);
    expect(await f.s.runtime.links.get(client.clientId)).toMatchObject({ status: 'pending' });
    const unknown = await f.cli(['magento:link-urls', '--client', 'c_nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toBe('magento:link-urls: no client with id c_nope (see clients:list)');
    expect((await f.cli(['magento:link-urls'])).code).toBe(2);
  });

  it('magento:status before any activation', async () => {
    const r = await f.cli(['magento:status', '--client', f.clientId, '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'pending', has_access_token: false, last_error: null });
  });

  it('magento:import refuses credentials Magento does not accept, and keeps the link unusable', async () => {
    const integration = f.emu.createIntegration({ resources: ['Magento_Backend::store'] });
    const good = creds(integration.id);
    const r = await f.cli(['magento:import', '--client', f.clientId], {
      stdin: JSON.stringify({ ...good, access_token_secret: 'z'.repeat(32) }),
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('The signature is invalid');
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toBeNull();
    const unknownToken = await f.cli(['magento:import', '--client', f.clientId], {
      stdin: JSON.stringify({ ...good, access_token: '0'.repeat(32) }),
    });
    expect(unknownToken.code).toBe(1);
    expect(unknownToken.err).toContain('Specified token does not exist');
    const [failed] = await f.s.runtime.audit.list({ type: 'magento.link_imported' });
    expect(failed).toMatchObject({ outcome: 'failure', clientId: f.clientId });
  });

  it('magento:import checks its input without echoing values', async () => {
    const missing = await f.cli(['magento:import', '--client', f.clientId], {
      stdin: 'consumer_key=abcdefabcdefabcdefabcdefabcdef12\n',
    });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing consumer_secret, access_token, access_token_secret');
    const malformed = await f.cli(['magento:import', '--client', f.clientId], {
      stdin: JSON.stringify({
        consumer_key: 'SECRETVALUE',
        consumer_secret: 'x',
        access_token: 'y',
        access_token_secret: 'z',
      }),
    });
    expect(malformed.code).toBe(2);
    expect(malformed.err).not.toContain('SECRETVALUE');
    const empty = await f.cli(['magento:import', '--client', f.clientId]);
    expect(empty.err).toContain('MAGENTO_CONSUMER_KEY');
    // argv is not a way in: unknown options are refused before anything runs.
    const argv = await f.cli(['magento:import', '--client', f.clientId, '--consumer-secret', 'x']);
    expect(argv.code).toBe(2);
    const badMode = await f.cli(['magento:import', '--client', f.clientId, '--mode', 'basic']);
    expect(badMode.err).toContain('--mode must be oauth1 or bearer');
  });

  it('magento:import verifies with one signed call, then activates the link (key=value on stdin)', async () => {
    const integration = f.emu.createIntegration({ resources: ['Magento_Backend::store', 'Magento_Catalog::products'] });
    const good = creds(integration.id);
    const before = f.emu.verdicts.length;
    const stdin = Object.entries(good)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    const r = await f.cli(['magento:import', '--client', f.clientId, '--json'], { stdin });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      status: 'active',
      mode: 'oauth1',
      verified: true,
      warning: null,
      confirmed_by: 'cli',
    });
    expect(f.emu.verdicts.slice(before)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/rest/V1/store/storeConfigs', ok: true, status: 200 }),
    ]);
    const active = await f.s.runtime.links.activeCredentials(f.clientId);
    expect(active).toEqual({
      mode: 'oauth1',
      consumerKey: good.consumer_key,
      consumerSecret: good.consumer_secret,
      token: good.access_token,
      tokenSecret: good.access_token_secret,
    });
    for (const v of Object.values(good)) expect(r.out + r.err).not.toContain(v);
  });

  it(
    'magento:import from the environment; an integration without Magento_Backend::store passes with a ' + 'warning',
    async () => {
      const integration = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
      const good = creds(integration.id);
      const env = {
        MAGENTO_CONSUMER_KEY: good.consumer_key,
        MAGENTO_CONSUMER_SECRET: good.consumer_secret,
        MAGENTO_ACCESS_TOKEN: good.access_token,
        MAGENTO_ACCESS_TOKEN_SECRET: good.access_token_secret,
      };
      const r = await f.cli(['magento:import', '--client', f.clientId], { env });
      expect(r.code).toBe(0);
      expect(r.err).toContain('lacks Magento_Backend::store');
      expect((await f.s.runtime.links.activeCredentials(f.clientId))?.token).toBe(good.access_token);
    },
  );

  it('magento:import --mode bearer needs the store to accept integration tokens as bearer', async () => {
    const integration = f.emu.createIntegration({ resources: ['Magento_Backend::store'] });
    const stdin = JSON.stringify(creds(integration.id));
    const off = await f.cli(['magento:import', '--client', f.clientId, '--mode', 'bearer'], { stdin });
    expect(off.code).toBe(1);
    expect(off.err).toContain('does not allow integration tokens as bearer tokens');
    f.emu.setBearerEnabled(true);
    try {
      const on = await f.cli(['magento:import', '--client', f.clientId, '--mode', 'bearer', '--json'], { stdin });
      expect(on.code).toBe(0);
      expect(JSON.parse(on.out)).toMatchObject({ mode: 'bearer', status: 'active' });
      expect((await f.s.runtime.links.activeCredentials(f.clientId))?.mode).toBe('bearer');
    } finally {
      f.emu.setBearerEnabled(false);
    }
  });

  it('magento:set-mode switches an active link, verifying bearer first', async () => {
    const back = await f.cli(['magento:set-mode', '--client', f.clientId, '--mode', 'oauth1']);
    expect(back.code).toBe(0);
    expect((await f.s.runtime.links.activeCredentials(f.clientId))?.mode).toBe('oauth1');
    const refused = await f.cli(['magento:set-mode', '--client', f.clientId, '--mode', 'bearer']);
    expect(refused.code).toBe(1); // the emulator's bearer flag is off again
    expect((await f.s.runtime.links.activeCredentials(f.clientId))?.mode).toBe('oauth1');
    expect((await f.cli(['magento:set-mode', '--client', f.clientId, '--mode', 'both'])).code).toBe(2);
  });

  it('magento:list shows every link: client, name, state, mode, store, last handshake', async () => {
    const list = JSON.parse((await f.cli(['magento:list', '--json'])).out) as Record<string, unknown>[];
    const mine = list.find((l) => l.client_id === f.clientId);
    const link = (await f.s.runtime.links.get(f.clientId))!;
    expect(mine).toEqual({
      client_id: f.clientId,
      client_name: 'Warehouse Sync',
      status: 'active',
      mode: link.mode,
      store_base_url: link.storeBaseUrl,
      last_handshake_at: link.activationReceivedAt?.toISOString() ?? null,
      confirmed_at: link.confirmedAt!.toISOString(),
      last_error: link.lastError,
      updated_at: link.updatedAt.toISOString(),
    });
    expect(list.find((l) => l.client_name === 'Second app')).toMatchObject({
      status: 'pending',
      store_base_url: null,
      last_handshake_at: null,
    });
    expect(list).toHaveLength(
      await f.s.testDb
        .db('magento_links')
        .count<{ n: string }[]>({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    );
    const text = await f.cli(['magento:list']);
    expect(text.out).toMatch(
      new RegExp(`^${f.clientId}  Warehouse Sync +active +${link.mode} +${link.storeBaseUrl}`, 'm'),
    );
  });

  it('magento:revoke forgets every secret', async () => {
    const r = await f.cli(['magento:revoke', '--client', f.clientId]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Also delete (or Reauthorize) the integration in Magento');
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toBeNull();
    const row = await f.s.testDb.db('magento_links').where({ client_id: f.clientId }).first();
    expect([
      row.consumer_key_sealed,
      row.consumer_secret_sealed,
      row.access_token_sealed,
      row.access_token_secret_sealed,
      row.consumer_key_hash,
    ]).toEqual([null, null, null, null, null]);
    expect(JSON.parse((await f.cli(['magento:status', '--client', f.clientId, '--json'])).out).status).toBe('revoked');
    const [revoked] = await f.s.runtime.audit.list({ type: 'magento.link_revoked' });
    expect(revoked).toMatchObject({ outcome: 'success', actor: 'cli', clientId: f.clientId });
  });

  it('scopes:list shows scopes, resources and routes', async () => {
    const text = await f.cli(['scopes:list']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('catalog:read');
    const json = JSON.parse((await f.cli(['scopes:list', '--json'])).out) as Array<{
      name: string;
      resources: string[];
      routes: string[];
    }>;
    const catalogRead = json.find((s) => s.name === 'catalog:read')!;
    expect(catalogRead.resources).toContain('Magento_Catalog::products');
    expect(catalogRead.routes).toContain('GET /V1/products');
    expect(catalogRead.routes.every((r) => r.startsWith('GET '))).toBe(true);
  });
});
