import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createFakeClock } from '../support/fake-clock.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createAdapterFactory, deleteExpiredPayloads, hashId } from '../../src/oidc/postgres-adapter.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

let t: TestDb;
const clock = createFakeClock(Date.UTC(2026, 0, 1));
let factory: ReturnType<typeof createAdapterFactory>;

beforeAll(async () => {
  t = await createTestDb();
  factory = createAdapterFactory({ db: t.db, clock });
});
afterAll(async () => t.destroy());

describe(`postgres adapter (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('upserts and finds a payload, restoring its id', async () => {
    const a = factory('AccessToken');
    await a.upsert('tok-1', { jti: 'tok-1', grantId: 'g1', kind: 'AccessToken', scope: 'a b' }, 60);
    expect(await a.find('tok-1')).toMatchObject({ jti: 'tok-1', grantId: 'g1', scope: 'a b' });
    expect(await a.find('nope')).toBeUndefined();
    // Upsert is a real upsert: the second write replaces the payload.
    await a.upsert('tok-1', { jti: 'tok-1', grantId: 'g1', scope: 'c' }, 60);
    expect((await a.find('tok-1'))?.scope).toBe('c');
  });

  it('keeps models apart', async () => {
    await factory('AuthorizationCode').upsert('same-id', { jti: 'same-id', kind: 'AuthorizationCode' }, 60);
    expect(await factory('RefreshToken').find('same-id')).toBeUndefined();
  });

  it('stores no token value in the clear', async () => {
    const secret = 'very-secret-refresh-token-value';
    await factory('RefreshToken').upsert(secret, { jti: secret, grantId: 'g-clear' }, 60);
    const rows = await t.db('oidc_payloads').where({ model: 'RefreshToken', grant_id: 'g-clear' });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0].id).toBe(hashId(secret));
  });

  it('returns nothing once expired and cleans expired rows up', async () => {
    const a = factory('AuthorizationCode');
    await a.upsert('short', { jti: 'short' }, 10);
    await a.upsert('forever', { jti: 'forever' }, undefined);
    expect(await a.find('short')).toBeDefined();
    clock.advance(11_000);
    expect(await a.find('short')).toBeUndefined();
    expect(await a.find('forever')).toBeDefined();
    const deleted = await deleteExpiredPayloads(t.db, clock);
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await t.db('oidc_payloads').where({ id: hashId('short') })).toHaveLength(0);
    expect(await t.db('oidc_payloads').where({ id: hashId('forever') })).toHaveLength(1);
  });

  it('consume marks the record consumed and refuses a second consume', async () => {
    const a = factory('RefreshToken');
    await a.upsert('rt-1', { jti: 'rt-1', grantId: 'g2' }, 60);
    await a.consume('rt-1');
    const found = await a.find('rt-1');
    expect(found?.consumed).toBeTruthy();
    await expect(a.consume('rt-1')).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('parallel consumes: exactly one wins', async () => {
    const a = factory('RefreshToken');
    await a.upsert('rt-race', { jti: 'rt-race', grantId: 'g3' }, 60);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => a.consume('rt-race')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(11);
  });

  it('destroy removes one record', async () => {
    const a = factory('AccessToken');
    await a.upsert('gone', { jti: 'gone' }, 60);
    await a.destroy('gone');
    expect(await a.find('gone')).toBeUndefined();
  });

  it("revokeByGrantId removes only that model's records of the grant", async () => {
    await factory('AccessToken').upsert('at-g9', { jti: 'at-g9', grantId: 'g9' }, 60);
    await factory('RefreshToken').upsert('rt-g9', { jti: 'rt-g9', grantId: 'g9' }, 60);
    await factory('Interaction').upsert('int-g9', { jti: 'int-g9', grantId: 'g9' }, 60);
    await factory('AccessToken').upsert('at-other', { jti: 'at-other', grantId: 'g10' }, 60);
    await factory('AccessToken').revokeByGrantId('g9');
    expect(await factory('AccessToken').find('at-g9')).toBeUndefined();
    expect(await factory('AccessToken').find('at-other')).toBeDefined();
    expect(await factory('RefreshToken').find('rt-g9')).toBeDefined();
    expect(await factory('Interaction').find('int-g9')).toBeDefined();
  });

  it('finds sessions by uid and device codes by user code', async () => {
    await factory('Session').upsert('sess-1', { jti: 'sess-1', uid: 'uid-1', accountId: 'a' }, 60);
    expect(await factory('Session').findByUid('uid-1')).toMatchObject({ accountId: 'a' });
    await factory('DeviceCode').upsert('dc-1', { jti: 'dc-1', userCode: 'ABCD-EFGH' }, 60);
    expect(await factory('DeviceCode').findByUserCode('ABCD-EFGH')).toBeDefined();
    expect(await factory('DeviceCode').findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
  });

  it('seals Session and Interaction payloads (they carry session cookie values and accounts)', async () => {
    const sealed = createAdapterFactory({ db: t.db, clock, box: createSecretBox([randomBytes(32)]) });
    const cookieValue = 'session-cookie-value-abc';
    await sealed('Interaction').upsert(
      'int-sealed',
      { jti: 'int-sealed', session: { cookie: cookieValue, accountId: 'admin-7' } } as never,
      60,
    );
    await sealed('Session').upsert('sess-sealed', { jti: 'sess-sealed', uid: 'uid-sealed', accountId: 'admin-7' }, 60);
    const rows = await t.db('oidc_payloads').whereIn('id', [hashId('int-sealed'), hashId('sess-sealed')]);
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(cookieValue);
    expect(JSON.stringify(rows)).not.toContain('admin-7');
    expect(await sealed('Interaction').find('int-sealed')).toMatchObject({
      jti: 'int-sealed',
      session: { cookie: cookieValue },
    });
    expect(await sealed('Session').findByUid('uid-sealed')).toMatchObject({ accountId: 'admin-7' });
    // Other models stay plain jsonb (queried by grant id, and holding no cookie values).
    await sealed('AccessToken').upsert('at-plain', { jti: 'at-plain', accountId: 'admin-7' }, 60);
    expect(JSON.stringify(await t.db('oidc_payloads').where({ id: hashId('at-plain') }))).toContain('admin-7');
  });
});
