// A healthy store and a linked app: every check passes and the exit code is 0; the throwaway
// token check leaves no client, grant or token behind; no secret ever appears in the output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';

describe('doctor on a healthy store', () => {
  let f: DoctorFixture;
  beforeAll(async () => {
    f = await startDoctorFixture();
  });
  afterAll(() => f?.close());
  const rows = async () => ({
    clients: (await f.s.testDb.db('oauth_clients').select('client_id')).map((r) => r.client_id as string).sort(),
    payloads: (await f.s.testDb.db('oidc_payloads').count({ n: '*' }).first())!.n,
  });

  it('passes every check, exits 0, and the throwaway token check leaves no trace', async () => {
    const clientId = await f.linkedClient({ resources: ['Magento_Catalog::products'] });
    const before = await rows();
    const r = await f.doctor('--client', clientId);
    expect(r.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip')).toEqual([]);
    expect(r.checks.filter((c) => c.status === 'skip').map((c) => c.id)).toEqual(['store.tls']); // http store
    expect(r.code).toBe(0);
    const roundtrip = f.check(r.checks, 'oauth.token_roundtrip');
    expect(roundtrip.message).toBe(
      'an access token (opaque) for catalog:read was issued, introspected as active and revoked (throwaway client, deleted)',
    );
    expect(await rows()).toEqual(before);
    // Every check has the public shape, and each per-client one names its client.
    for (const c of r.checks) {
      expect(Object.keys(c)).toEqual(['id', 'status', 'message', 'fix', 'details']);
      if (/^(link|oauth)\./.test(c.id)) expect(c.details.client_id).toBe(clientId);
    }
  });

  it('also for a JWT client; its own scopes are what the twin asks for', async () => {
    const { client } = await f.s.runtime.clients.create({
      name: 'JWT app',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read', 'orders:read'],
      tokenFormat: 'jwt',
    });
    const before = await rows();
    const r = await f.doctor('--client', client.clientId);
    const roundtrip = f.check(r.checks, 'oauth.token_roundtrip');
    expect(roundtrip).toMatchObject({
      status: 'pass',
      details: { token_format: 'jwt', scopes: ['catalog:read', 'orders:read'] },
    });
    expect(await rows()).toEqual(before);
  });

  it('without --client, runs the client checks for every enabled client; text output names status and fix', async () => {
    const text = await runCliInProcess(['doctor'], () => serverCliContext(f.s));
    expect(text.out).toMatch(/^PASS {2}config\.issuer/m);
    expect(text.out).toMatch(/^FAIL {2}link\.state +client \S+ has no Magento link$/m); // the JWT app
    expect(text.out).toMatch(/^ {6}fix: Run `npm run cli -- magento:link-urls --client /m);
    expect(text.out).toMatch(/\d+ passed, \d+ warnings, \d+ failed, \d+ skipped$/);
    expect(text.code).toBe(1);
    const all = await f.doctor();
    const clients = new Set(all.checks.map((c) => c.details.client_id).filter(Boolean));
    expect(clients.size).toBe(2);
    expect((await runCliInProcess(['doctor', '--client', 'c_nope'], () => serverCliContext(f.s))).code).toBe(3);
  });

  it('never shows a secret: link credentials, client secret, keys — also when Magento refuses', async () => {
    const { client, clientSecret } = await f.s.runtime.clients.create({
      name: 'Secretive',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
    });
    const t = f.emu.issueAccessToken(f.emu.createIntegration({ all: true }).id);
    await f.s.runtime.links.ensure(client.clientId);
    await f.s.runtime.links.importActive(
      client.clientId,
      {
        mode: 'bearer',
        consumerKey: t.consumerKey,
        consumerSecret: t.consumerSecret,
        token: t.accessToken,
        tokenSecret: t.accessTokenSecret,
        storeBaseUrl: f.emu.storeBaseUrl,
      },
      'test',
    );
    const secrets = [
      t.consumerKey,
      t.consumerSecret,
      t.accessToken,
      t.accessTokenSecret,
      clientSecret!,
      ...f.s.config.encryptionKeys.map((k) => k.toString('base64')),
      ...f.s.config.cookieKeys,
    ];
    const outputs = [(await f.doctor('--client', client.clientId)).out];
    f.emu.revokeAccessToken([...f.emu.integrations.values()].find((i) => i.consumerKey === t.consumerKey)!.id);
    const refused = await f.doctor('--client', client.clientId);
    expect(f.check(refused.checks, 'link.token').status).toBe('fail');
    outputs.push(
      refused.out,
      (await runCliInProcess(['doctor', '--client', client.clientId], () => serverCliContext(f.s))).out,
    );
    await f.s.runtime.audit.flush();
    const audited = JSON.stringify(await f.s.runtime.audit.list({ type: 'doctor.run' }));
    expect(audited).toContain('link.token');
    for (const secret of secrets) for (const out of [...outputs, audited]) expect(out).not.toContain(secret);
  });
});
