// The bridge's own ground and a client's OAuth side: ISSUER, keys, migrations, the database
// clock; redirect URIs, secret age, and the end-to-end token check when the token endpoint refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIssuer } from '../../src/diagnostics/config-checks.js';
import type { DoctorRun } from '../../src/diagnostics/doctor-run.js';
import { migrationSource } from '../../src/db/migrate.js';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';

describe('doctor: the server and the OAuth side of a client', () => {
  let f: DoctorFixture;
  beforeAll(async () => {
    f = await startDoctorFixture();
  });
  afterAll(() => f?.close());

  it('ISSUER: http passes outside production, fails in production', async () => {
    const run = (production: boolean, issuer: string) =>
      checkIssuer({
        services: { ...f.s.runtime, config: { ...f.s.config, production, issuer } },
      } as unknown as DoctorRun);
    expect((await run(false, 'http://127.0.0.1:3000')).status).toBe('pass');
    expect((await run(true, 'https://id.shop.example')).status).toBe('pass');
    const bad = await run(true, 'http://id.shop.example');
    expect(bad.status).toBe('fail');
    expect(bad.fix).toContain('Set ISSUER to the https:// address');
  });

  it('redirect URIs: https passes; plain http or a fragment is named, with the command to change them', async () => {
    const make = (redirectUris: string[]) =>
      f.s.runtime.clients.create({
        name: 'Web app',
        type: 'confidential',
        redirectUris,
        scopes: ['catalog:read'],
        grantTypes: ['authorization_code'],
      });
    const good = await make(['https://app.example/callback', 'http://127.0.0.1:8765/cb']);
    expect(f.check((await f.doctor('--client', good.client.clientId)).checks, 'oauth.redirect_uris').status).toBe(
      'pass',
    );
    const dev = await make(['http://app.example/callback']);
    const r = f.check((await f.doctor('--client', dev.client.clientId)).checks, 'oauth.redirect_uris');
    expect(r.status).toBe('warn'); // a failure in production (NODE_ENV=production)
    expect(r.message).toContain('redirect URI must use https');
    expect(r.fix).toContain(`clients:update --client ${dev.client.clientId}`);
  });

  it('secret age: fresh passes; older than CLIENT_SECRET_MAX_AGE_DAYS warns with the rotate command', async () => {
    const clientId = await f.linkedClient();
    expect(f.check((await f.doctor('--client', clientId)).checks, 'oauth.secret_age').status).toBe('pass');
    await f.s.testDb
      .db('oauth_clients')
      .where({ client_id: clientId })
      .update({ created_at: new Date(f.s.clock.now() - 100 * 86_400_000) });
    const old = f.check((await f.doctor('--client', clientId)).checks, 'oauth.secret_age');
    expect(old).toMatchObject({ status: 'warn', details: { age_days: 100, max_age_days: 90 } });
    expect(old.fix).toContain(`clients:rotate-secret --client ${clientId}`);
  });

  it('the token check fails when the token endpoint refuses, and still leaves no client behind', async () => {
    const clientId = await f.linkedClient();
    const block = await f.s.runtime.blocks.block('ip', '127.0.0.1', { reason: 'test', durationS: 600, scope: 'token' });
    try {
      const before = await f.s.testDb.db('oauth_clients').count({ n: '*' }).first();
      const r = f.check((await f.doctor('--client', clientId)).checks, 'oauth.token_roundtrip');
      expect(r.status).toBe('fail');
      expect(r.message).toMatch(
        /^the token endpoint refused an access token \(opaque\) for these scopes: HTTP 429 rate_limited$/,
      );
      expect(r.fix).toContain('server log');
      expect(await f.s.testDb.db('oauth_clients').count({ n: '*' }).first()).toEqual(before);
    } finally {
      await f.s.runtime.blocks.clear({ id: block.id }, 'test');
    }
  });

  it('the database clock: more than 60 s apart fails with the NTP fix', async () => {
    f.s.clock.advance(-120_000);
    try {
      const r = f.check((await f.doctor()).checks, 'config.clock_db');
      expect(r.status).toBe('fail');
      // The fake clock stood still since the fixture started: a few real seconds more.
      expect(r.message).toMatch(/^the database server's clock is 1[2-3]\d s ahead of this server's$/);
      expect(r.fix).toContain('timedatectl set-ntp true');
    } finally {
      f.s.clock.advance(120_000);
    }
  });

  it('keys: none to sign tokens with fails (and the token check is skipped); a pending migration fails', async () => {
    const { db } = f.s.testDb;
    const keys = await db('signing_keys').select('*');
    await db('signing_keys').delete();
    try {
      const r = await f.doctor();
      const k = f.check(r.checks, 'config.keys');
      expect(k.status).toBe('fail');
      expect(k.fix).toContain('keys:rotate');
    } finally {
      await db('signing_keys').insert(keys);
    }
    expect(f.check((await f.doctor()).checks, 'config.keys').status).toBe('pass');

    await db.migrate.down({ migrationSource });
    try {
      const m = f.check((await f.doctor()).checks, 'config.database');
      expect(m).toMatchObject({ status: 'fail', details: { pending: 1 } });
      expect(m.fix).toContain('db:migrate');
    } finally {
      await db.migrate.latest({ migrationSource });
    }
    expect(f.check((await f.doctor()).checks, 'config.database').status).toBe('pass');
  });
});
