import { totpAad, type AdminCore } from './admin-deps.js';
import { isLockedAt, originOf, recordFailedAttempt, type SignInOrigin } from './failed-attempt.js';
import type { AdminRecord } from './admin-store.js';
import { looksLikeRecoveryCode, recoveryCodeCandidates } from './recovery-codes.js';
import type { AdminManagement, TotpEnrolment } from './admin-management.js';
import { unknownUsernameActor } from '../audit/audit-actor.js';

export type PasswordResult =
  { ok: true; admin: AdminRecord } | { ok: false; reason: 'invalid' | 'locked' | 'disabled' };
export type CodeResult =
  { ok: true; method: 'totp' | 'recovery' } | { ok: false; reason: 'invalid' | 'locked' | 'disabled' | 'not_enrolled' };

export type { SignInOrigin };

/**
 * Sign-in checks for admins: password, TOTP or recovery code, lockout after consecutive failures.
 * Callers show one message for every `ok: false` (no user enumeration).
 */
export function createAdminAuth(core: AdminCore, management: AdminManagement) {
  const { store, hasher, totp, deps } = core;
  const { box, clock, audit } = deps;
  const now = () => new Date(clock.now());
  const isLocked = (a: AdminRecord) => isLockedAt(a, clock.now());

  async function fail(
    admin: AdminRecord,
    from: SignInOrigin,
    type: 'admin.login_failed' | 'admin.totp_failed',
  ): Promise<void> {
    await recordFailedAttempt(core, admin, from, { type });
  }

  return {
    async findById(id: string): Promise<AdminRecord | null> {
      return store.findById(id);
    },
    isLocked,

    async verifyPassword(username: string, password: string, from: SignInOrigin): Promise<PasswordResult> {
      const admin = username.trim() ? await store.findByUsername(username.trim()) : null;
      if (!admin) {
        await hasher.verifyDummy(password); // same time as a real check
        await audit?.record({
          type: 'admin.login_failed',
          outcome: 'failure',
          actor: unknownUsernameActor(box, username),
          ...originOf(from),
          details: { reason: 'unknown_user' },
        });
        return { ok: false, reason: 'invalid' };
      }
      const { ok, needsRehash } = await hasher.verify(admin.passwordHash, password);
      if (admin.disabled || isLocked(admin)) {
        await audit?.record({
          type: 'admin.login_failed',
          outcome: 'denied',
          actor: admin.username,
          ...originOf(from),
          details: { reason: admin.disabled ? 'disabled' : 'locked' },
        });
        return { ok: false, reason: admin.disabled ? 'disabled' : 'locked' };
      }
      if (!ok) {
        await fail(admin, from, 'admin.login_failed');
        return { ok: false, reason: 'invalid' };
      }
      if (needsRehash) await store.update(admin.id, { password_hash: await hasher.hash(password) }, now());
      return { ok: true, admin };
    },

    /** A TOTP code (once per 30 s step) or an unused recovery code of an enrolled admin. */
    async verifyCode(adminId: string, input: string, from: SignInOrigin): Promise<CodeResult> {
      const admin = await store.findById(adminId);
      if (!admin) return { ok: false, reason: 'invalid' };
      if (admin.disabled) return { ok: false, reason: 'disabled' };
      if (isLocked(admin)) return { ok: false, reason: 'locked' };
      if (!admin.totpSecret) return { ok: false, reason: 'not_enrolled' };
      const code = input.trim();
      if (looksLikeRecoveryCode(code) && !/^\d{6}$/.test(code)) {
        let used = false;
        for (const candidate of recoveryCodeCandidates(box, admin.id, code)) {
          if ((used = await store.consumeRecoveryCode(admin.id, candidate, now()))) break;
        }
        if (used) {
          await store.update(admin.id, { failed_attempts: 0 }, now());
          const remaining = await store.remainingRecoveryCodes(admin.id);
          await audit?.record({
            type: 'admin.recovery_code_used',
            outcome: 'success',
            actor: admin.username,
            ...originOf(from),
            details: { remaining },
          });
          return { ok: true, method: 'recovery' };
        }
      } else {
        const secret = box.open(admin.totpSecret, totpAad(admin.id));
        const step = totp.verify(code, secret, admin.totpLastStep);
        if (step !== null && (await store.acceptTotpStep(admin.id, step))) {
          await store.update(admin.id, { failed_attempts: 0 }, now());
          return { ok: true, method: 'totp' };
        }
      }
      await fail(admin, from, 'admin.totp_failed');
      return { ok: false, reason: isLocked((await store.findById(admin.id))!) ? 'locked' : 'invalid' };
    },

    newTotpSecret: () => totp.generateSecret(),
    keyUri: (username: string, secret: string) => totp.keyUri(username, secret),

    /** First-login enrolment: the code proves the app holds `secret`; returns the recovery codes. */
    async confirmEnrolment(
      adminId: string,
      secret: string,
      code: string,
      from: SignInOrigin,
    ): Promise<TotpEnrolment | null> {
      const admin = await store.findById(adminId);
      if (!admin || admin.disabled || isLocked(admin) || admin.totpSecret) return null;
      const step = totp.verify(code, secret, null);
      if (step === null) {
        await fail(admin, from, 'admin.totp_failed');
        return null;
      }
      const enrolment = await management.enrolTotp(admin, secret);
      await store.update(admin.id, { totp_last_step: step, failed_attempts: 0 }, now());
      await audit?.record({
        type: 'admin.totp_enrolled',
        outcome: 'success',
        actor: admin.username,
        ...originOf(from),
      });
      return enrolment;
    },

    async recordLogin(admin: AdminRecord, from: SignInOrigin, method: string): Promise<void> {
      await store.update(admin.id, { last_login_at: now(), failed_attempts: 0 }, now());
      await audit?.record({
        type: 'admin.login',
        outcome: 'success',
        actor: admin.username,
        ...originOf(from),
        details: { secondFactor: method },
      });
    },
  };
}

export type AdminAuth = ReturnType<typeof createAdminAuth>;
