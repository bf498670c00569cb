import { randomInt } from 'node:crypto';
import type { SecretBox } from '../security/secret-box.js';

export const RECOVERY_CODE_COUNT = 10;
// No 0/O/1/I/L: codes are read off paper.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** `XXXXX-XXXXX`: 10 random characters, about 49 bits each. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function normalizeRecoveryCode(input: string): string {
  const c = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return c.length === 10 ? `${c.slice(0, 5)}-${c.slice(5)}` : c;
}

const PURPOSE = 'admin-recovery-code';

/**
 * ~49 bits per code is too little against an offline GPU search of a plain hash, so codes are
 * stored as a keyed hash bound to their admin (ENCRYPTION_KEY never sits in the database).
 */
export function hashRecoveryCode(box: SecretBox, adminId: string, code: string): string {
  return box.mac(PURPOSE, `${adminId}:${normalizeRecoveryCode(code)}`);
}

/** Hashes to look for: one per configured key, so codes survive an ENCRYPTION_KEY rotation. */
export function recoveryCodeCandidates(box: SecretBox, adminId: string, code: string): string[] {
  return box.macCandidates(PURPOSE, `${adminId}:${normalizeRecoveryCode(code)}`);
}

export function looksLikeRecoveryCode(input: string): boolean {
  return /^[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}$/.test(input.trim());
}
