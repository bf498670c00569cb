import type { SecretBox } from '../security/secret-box.js';

/**
 * The audit actor for a sign-in with a username no account has. People type their password
 * into the username field, so the text itself must never be stored: a keyed hash (HMAC under an
 * HKDF subkey of ENCRYPTION_KEY) still lets an admin see that attempts repeat, without a
 * dictionary attack on a leaked table.
 */
export function unknownUsernameActor(box: SecretBox, username: string): string {
  const mac = Buffer.from(box.mac('audit-unknown-username', username.trim()), 'base64url');
  return `unknown:${mac.toString('hex').slice(0, 16)}`;
}
