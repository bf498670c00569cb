import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEncryptionKey, KeyMismatchError } from '../../src/db/key-check.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('ENCRYPTION_KEY check stored in the database', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.destroy();
  });
  const key = randomBytes(32);

  it('the first start seals it; the same key opens it; another key is refused by name', async () => {
    await checkEncryptionKey(t.db, createSecretBox([key]));
    const row = await t.db('bridge_meta').where({ key: 'key_check' }).first();
    expect(row.value).toMatch(/^v1\./);
    await checkEncryptionKey(t.db, createSecretBox([key]));
    const other = checkEncryptionKey(t.db, createSecretBox([randomBytes(32)]));
    await expect(other).rejects.toBeInstanceOf(KeyMismatchError);
    await expect(other).rejects.toThrow(/^ENCRYPTION_KEY does not match this database.*ENCRYPTION_KEYS_OLD/);
    expect((await t.db('bridge_meta').where({ key: 'key_check' }).first()).value).toBe(row.value);
  });

  it('after a rotation (old key in ENCRYPTION_KEYS_OLD) the server reseals it with the new key', async () => {
    const next = randomBytes(32);
    await checkEncryptionKey(t.db, createSecretBox([next, key]), { reseal: true });
    const box = createSecretBox([next]);
    expect(box.keyIdOf((await t.db('bridge_meta').where({ key: 'key_check' }).first()).value)).toBe(box.currentKeyId);
    await expect(checkEncryptionKey(t.db, createSecretBox([key]))).rejects.toBeInstanceOf(KeyMismatchError);
  });
});
