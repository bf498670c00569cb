import type { SecondFactorPolicy } from '../config/passkeys-config.js';

/**
 * ADMIN_SECOND_FACTOR, in one place:
 * - `either` (default): a TOTP/recovery code or a passkey, wherever a second factor is asked for;
 * - `totp`: codes only (passkeys may be listed and removed, never used);
 * - `passkey`: passkeys only. An admin with none yet may type a code, but only to reach the
 *   enrolment of a first passkey (the bootstrap); recovery codes count as codes (same rule).
 */
export function codeAccepted(policy: SecondFactorPolicy, passkeyCount: number): boolean {
  return policy !== 'passkey' || passkeyCount === 0;
}

export function passkeyAccepted(policy: SecondFactorPolicy): boolean {
  return policy !== 'totp';
}
