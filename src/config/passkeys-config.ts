import type { readers } from './env-readers.js';

export const SECOND_FACTOR_POLICIES = ['totp', 'passkey', 'either'] as const;
/** Which second factor admins may use: TOTP only, passkeys only (TOTP just to enrol a first one), or either. */
export type SecondFactorPolicy = (typeof SECOND_FACTOR_POLICIES)[number];

export interface PasskeysConfig {
  /** ADMIN_SECOND_FACTOR (default `either`). */
  readonly secondFactor: SecondFactorPolicy;
  /** WebAuthn relying-party id: the host name of ISSUER (no port). */
  readonly rpId: string;
  /** The only origin an assertion may come from: ISSUER's origin. */
  readonly origin: string;
}

/** Passkeys (issue 18): the policy, and the relying party derived from ISSUER (never configured apart). */
export function readPasskeysConfig(r: ReturnType<typeof readers>, issuer: string): PasskeysConfig {
  const secondFactor = r.oneOf('ADMIN_SECOND_FACTOR', SECOND_FACTOR_POLICIES, 'either');
  const u = new URL(issuer);
  return { secondFactor, rpId: u.hostname, origin: u.origin };
}
