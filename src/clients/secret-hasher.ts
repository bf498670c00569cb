import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { keyIdFor } from '../security/secret-box.js';

export interface SecretHasher {
  hash(secret: string): string;
  verify(secret: string, stored: string | null | undefined): boolean;
}

/** 256-bit random client secret, base64url (43 characters). */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Client secrets are 256-bit random values, so a fast keyed hash (HMAC-SHA256) is enough: nobody
 * can brute-force 2^256, and the key (derived from ENCRYPTION_KEY) means a leaked table alone does
 * not even allow offline checks. A password hash such as argon2 would add nothing here but would
 * cost tens of milliseconds per token request and cap client-credentials throughput.
 * Stored form: `h1.<keyId>.<base64url mac>`; every configured encryption key verifies, so keys
 * can rotate without invalidating secrets.
 */
export function createSecretHasher(encryptionKeys: readonly Buffer[]): SecretHasher {
  const derived = new Map(
    encryptionKeys.map(
      (k) =>
        [keyIdFor(k), Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'oauth-client-secret-hash', 32))] as const,
    ),
  );
  const currentId = keyIdFor(encryptionKeys[0]!);
  const mac = (key: Buffer, secret: string) => createHmac('sha256', key).update(secret, 'utf8').digest();

  return {
    hash(secret) {
      return `h1.${currentId}.${mac(derived.get(currentId)!, secret).toString('base64url')}`;
    },
    verify(secret, stored) {
      if (!stored || typeof secret !== 'string') return false;
      const [v, keyId, value] = stored.split('.');
      const key = keyId ? derived.get(keyId) : undefined;
      if (v !== 'h1' || !key || !value) return false;
      const expected = Buffer.from(value, 'base64url');
      const actual = mac(key, secret);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}
