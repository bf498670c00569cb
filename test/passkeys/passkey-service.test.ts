import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { createAdmin, startInteractionServer } from '../support/page-flows.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';

const from = { ip: '203.0.113.7', requestId: null };

describe(`passkey service: real WebAuthn responses (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let adminId: string;
  let key: SoftwareAuthenticator;
  const pk = () => s.runtime.admins.passkeys;

  beforeAll(async () => {
    s = await startInteractionServer();
    adminId = (await createAdmin(s, 'rita')).admin.id;
    key = new SoftwareAuthenticator(s.config.issuer);
  });
  afterAll(() => s.close());

  async function enrol(k: SoftwareAuthenticator, binding = 'test:enrol', name = 'Laptop') {
    const options = await pk().registrationOptions({ id: adminId, username: 'rita' }, binding);
    return pk().finishRegistration({ adminId, binding, response: JSON.stringify(k.register(options)), name, from });
  }
  async function assertWith(k: SoftwareAuthenticator, o: Parameters<SoftwareAuthenticator['assert']>[1] = {}) {
    const options = (await pk().assertionOptions(adminId, 'test:sign', 'sign_in'))!;
    const response = JSON.stringify(k.assert(options, o));
    return {
      response,
      result: await pk().verifyAssertion({ adminId, binding: 'test:sign', purpose: 'sign_in', response, from }),
    };
  }

  it('derives the relying party from ISSUER and requires user verification in its options', async () => {
    expect(pk().rpId).toBe('127.0.0.1');
    expect(pk().origin).toBe(s.config.issuer);
    const options = await pk().registrationOptions({ id: adminId, username: 'rita' }, 'test:opts');
    expect(options.rp.id).toBe('127.0.0.1');
    expect(options.authenticatorSelection?.userVerification).toBe('required');
    await pk().cancelRegistration('test:opts');
  });

  it('enrols a passkey from a real registration response, and accepts a real assertion', async () => {
    const r = await enrol(key);
    expect(r).toMatchObject({ ok: true, passkey: { name: 'Laptop' } });
    const [stored] = await pk().list(adminId);
    expect(stored).toMatchObject({ name: 'Laptop', credentialId: key.id, transports: ['internal'], counter: 0 });
    const { result } = await assertWith(key);
    expect(result).toMatchObject({ ok: true, passkey: { name: 'Laptop' } });
    expect((await pk().list(adminId))[0]!.counter).toBe(1);
    const [used] = await s.runtime.audit.list({ type: 'admin.passkey_used' });
    expect(used).toMatchObject({ actor: 'rita', outcome: 'success' });
    const [enrolled] = await s.runtime.audit.list({ type: 'admin.passkey_enrolled' });
    expect(enrolled).toMatchObject({ actor: 'rita', outcome: 'success' });
  });

  it('refuses the same credential twice, and a registration whose challenge was used', async () => {
    expect(await enrol(key, 'test:again')).toMatchObject({ ok: false });
    const options = await pk().registrationOptions({ id: adminId, username: 'rita' }, 'test:once');
    const other = new SoftwareAuthenticator(s.config.issuer);
    const response = JSON.stringify(other.register(options));
    expect(await pk().finishRegistration({ adminId, binding: 'test:once', response, name: '', from })).toMatchObject({
      ok: true,
      passkey: { name: 'Passkey 2' },
    });
    expect(await pk().finishRegistration({ adminId, binding: 'test:once', response, name: '', from })).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a registration without user verification, or from another origin', async () => {
    const options = await pk().registrationOptions({ id: adminId, username: 'rita' }, 'test:uv');
    const k = new SoftwareAuthenticator(s.config.issuer);
    const noUv = JSON.stringify(k.register(options, { userVerified: false }));
    expect(
      await pk().finishRegistration({ adminId, binding: 'test:uv', response: noUv, name: 'x', from }),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    const o2 = await pk().registrationOptions({ id: adminId, username: 'rita' }, 'test:uv');
    const phish = JSON.stringify(k.register(o2, { origin: 'https://evil.example' }));
    expect(
      await pk().finishRegistration({ adminId, binding: 'test:uv', response: phish, name: 'x', from }),
    ).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await pk().count(adminId)).toBe(2);
  });

  it('refuses a replayed assertion (same challenge), a wrong origin, a wrong rpID, no user verification', async () => {
    const { response } = await assertWith(key);
    const replay = await pk().verifyAssertion({ adminId, binding: 'test:sign', purpose: 'sign_in', response, from });
    expect(replay).toEqual({ ok: false, reason: 'invalid' });
    expect((await assertWith(key, { origin: 'https://evil.example' })).result).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect((await assertWith(key, { rpId: 'evil.example' })).result).toEqual({ ok: false, reason: 'invalid' });
    expect((await assertWith(key, { userVerified: false })).result).toEqual({ ok: false, reason: 'invalid' });
    // A challenge issued for sign-in does not answer a step-up.
    await s.runtime.admins.management.unlock('rita');
    const options = (await pk().assertionOptions(adminId, 'test:sign', 'sign_in'))!;
    const cross = await pk().verifyStepUp({
      adminId,
      binding: 'test:sign',
      response: JSON.stringify(key.assert(options)),
      from,
    });
    expect(cross).toEqual({ ok: false, reason: 'invalid' });
    await s.runtime.admins.management.unlock('rita');
    expect((await assertWith(key)).result.ok).toBe(true);
  });

  it('refuses a counter regression (a cloned authenticator), audits it and raises an alert', async () => {
    await s.runtime.admins.management.unlock('rita');
    const twin = key.clone();
    twin.counter = 1; // the clone was copied long ago
    const { result } = await assertWith(twin);
    expect(result).toEqual({ ok: false, reason: 'invalid' });
    const [regression] = await s.runtime.audit.list({ type: 'admin.passkey_counter_regression' });
    expect(regression).toMatchObject({ actor: 'rita', outcome: 'denied' });
    await vi.waitFor(async () => {
      const rows = await s.runtime.db('alert_outbox').where({ rule: 'passkey_counter_regression' });
      expect(rows).toHaveLength(1);
    });
    // The same counter again (a replayed signature over a fresh challenge is impossible; a stale device is not).
    expect((await assertWith(key, { counter: key.counter })).result.ok).toBe(false);
    expect((await assertWith(key)).result.ok).toBe(true);
  });

  it('failed assertions count towards the lockout, like failed codes', async () => {
    await s.runtime.admins.management.unlock('rita');
    const threshold = s.config.adminLockoutThreshold;
    let last;
    for (let i = 0; i < threshold; i++) last = (await assertWith(key, { origin: 'https://evil.example' })).result;
    expect(last).toEqual({ ok: false, reason: 'locked' });
    expect((await assertWith(key)).result).toEqual({ ok: false, reason: 'locked' });
    await s.runtime.admins.management.unlock('rita');
  });

  it('renames and removes, audited', async () => {
    const [first] = await pk().list(adminId);
    expect(await pk().rename(adminId, first!.id, '  Work\u0007 phone ', 'rita', from)).toBe(true);
    expect((await pk().list(adminId))[0]!.name).toBe('Work phone');
    expect(await pk().remove(adminId, first!.id, 'rita', from)).toMatchObject({ id: first!.id });
    expect(await pk().remove(adminId, first!.id, 'rita', from)).toBeNull();
    const [removed] = await s.runtime.audit.list({ type: 'admin.passkey_removed' });
    expect(removed).toMatchObject({ actor: 'rita' });
  });
});
