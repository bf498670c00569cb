import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest. Each ciphertext names the key that sealed it
 * (`v1.<keyId>.<iv>.<ciphertext>.<tag>`), so keys can be rotated: the first key seals,
 * every configured key opens. `aad` binds a ciphertext to its row and column, so a value
 * copied into another row fails to open.
 */
export interface SecretBox {
  seal(plaintext: string, aad?: string): string;
  open(sealed: string, aad?: string): string;
  /** Key id of the sealing key; rows with another id are due for re-encryption. */
  readonly currentKeyId: string;
  keyIdOf(sealed: string): string;
  /**
   * Keyed hash (HMAC-SHA256 under a per-purpose HKDF subkey) for values that are only ever
   * compared, never read back: a stolen table cannot be brute-forced offline without the key.
   */
  mac(purpose: string, value: string): string;
  /** The same under every configured key, newest first (values hashed before a key rotation). */
  macCandidates(purpose: string, value: string): string[];
}

/** A ciphertext sealed with a key that is not configured (ENCRYPTION_KEY changed without ENCRYPTION_KEYS_OLD). */
export class UnknownKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`secret box: no configured key with id ${keyId}`);
    this.name = 'UnknownKeyError';
  }
}

export function keyIdFor(key: Buffer): string {
  return createHash('sha256').update('secret-box-key-id').update(key).digest('hex').slice(0, 12);
}

export function createSecretBox(keys: readonly Buffer[]): SecretBox {
  if (!keys.length) throw new Error('createSecretBox: at least one key is required');
  for (const k of keys) if (k.length !== 32) throw new Error('createSecretBox: keys must be 32 bytes');
  const byId = new Map(keys.map((k) => [keyIdFor(k), k] as const));
  const currentKey = keys[0]!;
  const currentKeyId = keyIdFor(currentKey);

  const subkey = (key: Buffer, purpose: string) =>
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `mac:${purpose}`, 32));
  const macWith = (key: Buffer, purpose: string, value: string) =>
    createHmac('sha256', subkey(key, purpose)).update(value).digest('base64url');

  return {
    currentKeyId,
    mac: (purpose, value) => macWith(currentKey, purpose, value),
    macCandidates: (purpose, value) => keys.map((k) => macWith(k, purpose, value)),
    seal(plaintext, aad = '') {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      cipher.setAAD(Buffer.from(aad));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ['v1', currentKeyId, iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join(
        '.',
      );
    },
    open(sealed, aad = '') {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') throw new Error('secret box: malformed ciphertext');
      const key = byId.get(parts[1]!);
      if (!key) throw new UnknownKeyError(parts[1]!);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2]!, 'base64url'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(parts[4]!, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
    },
    keyIdOf(sealed) {
      return sealed.split('.')[1] ?? '';
    },
  };
}
