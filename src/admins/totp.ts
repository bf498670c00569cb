import { authenticator } from 'otplib';
import type { Clock } from '../clock.js';

const STEP_SECONDS = 30;

export interface Totp {
  generateSecret(): string;
  /** otpauth:// URI for authenticator apps. */
  keyUri(username: string, secret: string): string;
  /**
   * RFC 6238 check (SHA-1, 6 digits, 30 s, ±1 step). Returns the matched step when the code is
   * valid AND newer than `lastStep` (a code is accepted once), else null.
   */
  verify(code: string, secret: string, lastStep: number | null): number | null;
  /** The code for now (development seeds and tests). */
  generate(secret: string): string;
}

export function createTotp(deps: { clock: Clock; issuerLabel: string }): Totp {
  const at = () => authenticator.clone({ window: 1, step: STEP_SECONDS, digits: 6, epoch: deps.clock.now() });
  return {
    generateSecret: () => authenticator.generateSecret(20),
    keyUri: (username, secret) => at().keyuri(username, deps.issuerLabel, secret),
    generate: (secret) => at().generate(secret),
    verify(code, secret, lastStep) {
      const token = code.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(token)) return null;
      let delta: number | null;
      try {
        delta = at().checkDelta(token, secret);
      } catch {
        return null;
      }
      if (delta === null) return null;
      const step = Math.floor(deps.clock.now() / 1000 / STEP_SECONDS) + delta;
      if (lastStep !== null && step <= lastStep) return null;
      return step;
    },
  };
}
