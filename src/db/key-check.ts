import type { Db } from './create-db.js';
import type { SecretBox } from '../security/secret-box.js';

const KEY = 'key_check';
const AAD = 'bridge_meta:key_check';
const PLAINTEXT = 'magento-oauth2-bridge key check';

/** This process's keys cannot open what the database's first user sealed: exit 78 with the message. */
export class KeyMismatchError extends Error {
  constructor() {
    super(
      'ENCRYPTION_KEY does not match this database: its secrets were sealed with another key. ' +
        "Use the server's configuration (the same .env / ENCRYPTION_KEY, DATA_DIR and DATABASE_URL), " +
        'or after a rotation keep the previous key in ENCRYPTION_KEYS_OLD.',
    );
    this.name = 'KeyMismatchError';
  }
}

/**
 * First start seals a known value with ENCRYPTION_KEY; every later start (server or CLI) must open
 * it. `reseal` (the server) moves it to the current key after a rotation, so the check follows the
 * key that seals new secrets.
 */
export async function checkEncryptionKey(db: Db, box: SecretBox, opts: { reseal?: boolean } = {}): Promise<void> {
  const read = async () => (await db('bridge_meta').where({ key: KEY }).first()) as { value: string } | undefined;
  let row = await read();
  if (!row) {
    // Two first starts at once: one insert wins and both check against it.
    await db('bridge_meta')
      .insert({ key: KEY, value: box.seal(PLAINTEXT, AAD) })
      .onConflict('key')
      .ignore();
    row = (await read())!;
  }
  let opened: string;
  try {
    opened = box.open(row.value, AAD);
  } catch {
    throw new KeyMismatchError();
  }
  if (opened !== PLAINTEXT) throw new KeyMismatchError();
  if (opts.reseal && box.keyIdOf(row.value) !== box.currentKeyId) {
    await db('bridge_meta')
      .where({ key: KEY })
      .update({ value: box.seal(PLAINTEXT, AAD), updated_at: db.fn.now() });
  }
}
