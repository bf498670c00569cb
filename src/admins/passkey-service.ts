import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AdminCore } from './admin-deps.js';
import type { AdminRecord } from './admin-store.js';
import { isLockedAt, originOf, recordFailedAttempt, type SignInOrigin } from './failed-attempt.js';
import { createPasskeyStore, type ChallengePurpose, type PasskeyRecord, type PasskeyStore } from './passkey-store.js';
import { codeAccepted, passkeyAccepted } from './passkey-policy.js';
import type { PasskeysConfig } from '../config/passkeys-config.js';
import { PRODUCT_NAME } from '../config/brand.js';

/** A challenge answers within this time, or a new page is needed. */
const CHALLENGE_TTL_MS = 5 * 60_000;
/** What the browser gives the user (ms); shorter than the challenge's life. */
const CEREMONY_TIMEOUT_MS = 120_000;
/** A WebAuthn response is a few hundred bytes to a few KB; anything larger is not one. */
const MAX_RESPONSE_CHARS = 16_384;
export const PASSKEY_NAME_MAX = 64;

/** What this folder raises through the alerts service (src/alerts' Alert; admins/ may not import it). */
export interface PasskeyAlert {
  rule: 'passkey_counter_regression';
  severity: 'high';
  actor: string;
  ip: string | null;
  summary: string;
  details: Record<string, unknown>;
  dedupKey: string;
}

export type AssertionResult =
  | { ok: true; passkey: Pick<PasskeyRecord, 'id' | 'name'> }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled' | 'not_allowed' };
export type RegistrationResult =
  | { ok: true; passkey: Pick<PasskeyRecord, 'id' | 'name'>; verifiedBy: 'totp' | 'recovery' | 'passkey' | null }
  | { ok: false; reason: 'invalid' | 'expired' | 'duplicate'; verifiedBy: 'totp' | 'recovery' | 'passkey' | null };

const sameString = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function parseResponse<T>(raw: unknown): T | null {
  if (typeof raw !== 'string' || !raw || raw.length > MAX_RESPONSE_CHARS) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as T) : null;
  } catch {
    return null;
  }
}

/** A name the admin gives a passkey: printable, trimmed, short; a default when empty. */
export function passkeyName(input: unknown, fallback: string): string {
  const s = (typeof input === 'string' ? input : '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, PASSKEY_NAME_MAX);
  return s || fallback;
}

/**
 * Admin passkeys (WebAuthn, issue 18): enrolment, assertions for sign-in and step-up, listing and
 * removal. The relying party is ISSUER (host → rpID, origin → the only accepted origin); user
 * verification is required; challenges are single-use and bound to who asked (`binding`).
 * Failed assertions count towards the same lockout as failed codes.
 */
/** A registration opened by a verified code (the sign-in flows), not by a passkey step-up (the console's add). */
export const openedByCode = (v: string | null | undefined): v is 'totp' | 'recovery' =>
  v === 'totp' || v === 'recovery';

export function createPasskeyService(deps: {
  core: AdminCore;
  config: PasskeysConfig;
  alerts?: { raise(alert: PasskeyAlert): Promise<unknown> };
  store?: PasskeyStore;
}) {
  const { core, config } = deps;
  const { clock, audit } = core.deps;
  const store = deps.store ?? createPasskeyStore(core.deps.db);
  const now = () => new Date(clock.now());
  const isLocked = (a: AdminRecord) => isLockedAt(a, clock.now());
  /** What every ceremony must show: our origin and rpID, and user verification (biometric or PIN). */
  const expected = { expectedOrigin: config.origin, expectedRPID: config.rpId, requireUserVerification: true };

  async function fail(admin: AdminRecord, from: SignInOrigin, reason: string, purpose: string): Promise<boolean> {
    const { locked } = await recordFailedAttempt(core, admin, from, {
      type: 'admin.passkey_failed',
      details: { reason, purpose },
    });
    return locked;
  }

  const challengeMatches = (expected: string) => (got: string) => sameString(expected, got);

  const service = {
    policy: config.secondFactor,
    rpId: config.rpId,
    origin: config.origin,
    store,

    list: (adminId: string) => store.listForAdmin(adminId),
    count: (adminId: string) => store.countForAdmin(adminId),

    /** May this admin use a TOTP or recovery code now? (`passkey` policy: only before a first passkey.) */
    async codeAllowed(adminId: string): Promise<boolean> {
      return codeAccepted(config.secondFactor, await store.countForAdmin(adminId));
    },
    /** Are passkey assertions accepted at all (policy `totp`: no). */
    passkeysAccepted: () => passkeyAccepted(config.secondFactor),
    /** Policy `passkey` and none enrolled: the code the admin typed only leads to enrolment. */
    async mustEnrol(adminId: string): Promise<boolean> {
      return config.secondFactor === 'passkey' && (await store.countForAdmin(adminId)) === 0;
    },

    /** Options for navigator.credentials.create(); the challenge is kept for `binding`. */
    async registrationOptions(
      admin: Pick<AdminRecord, 'id' | 'username'>,
      binding: string,
      verifiedBy: 'totp' | 'recovery' | 'passkey' | null = null,
    ): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await store.listForAdmin(admin.id);
      const options = await generateRegistrationOptions({
        rpName: PRODUCT_NAME,
        rpID: config.rpId,
        userName: admin.username,
        userID: new TextEncoder().encode(admin.id),
        timeout: CEREMONY_TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({
          id: p.credentialId,
          transports: p.transports as AuthenticatorTransport[],
        })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      });
      await store.putChallenge(
        binding,
        'register',
        {
          adminId: admin.id,
          challenge: options.challenge,
          verifiedBy,
          expiresAt: new Date(clock.now() + CHALLENGE_TTL_MS),
        },
        now(),
      );
      return options;
    },

    /** The registration in progress for `binding` (e.g. after a verified code), if any. */
    pendingRegistration: (binding: string) => store.peekChallenge(binding, 'register', now()),
    cancelRegistration: (binding: string) => store.takeChallenge(binding, 'register', now()),

    async finishRegistration(input: {
      adminId: string;
      binding: string;
      response: unknown;
      name: unknown;
      from: SignInOrigin;
    }): Promise<RegistrationResult> {
      const challenge = await store.takeChallenge(input.binding, 'register', now());
      const admin = await core.store.findById(input.adminId);
      if (!challenge || !admin || challenge.adminId !== admin.id)
        return { ok: false, reason: 'expired', verifiedBy: null };
      const refuse = async (reason: 'invalid' | 'duplicate', detail: string) => {
        await audit?.record({
          type: 'admin.passkey_failed',
          outcome: 'failure',
          actor: admin.username,
          ...originOf(input.from),
          details: { reason: detail, purpose: 'register' },
        });
        return { ok: false as const, reason, verifiedBy: challenge.verifiedBy };
      };
      const response = parseResponse<RegistrationResponseJSON>(input.response);
      if (!response) return refuse('invalid', 'malformed');
      let info;
      try {
        const v = await verifyRegistrationResponse({
          response,
          expectedChallenge: challengeMatches(challenge.challenge),
          ...expected,
        });
        if (!v.verified) return refuse('invalid', 'not_verified');
        info = v.registrationInfo;
      } catch (err) {
        return refuse('invalid', `rejected: ${(err as Error).message.slice(0, 200)}`);
      }
      if (await store.findByCredentialId(info.credential.id)) return refuse('duplicate', 'duplicate_credential');
      const count = await store.countForAdmin(admin.id);
      const record = {
        id: randomUUID(),
        adminId: admin.id,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: (response.response.transports ?? []).filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 8),
        name: passkeyName(input.name, `Passkey ${count + 1}`),
        backedUp: info.credentialBackedUp,
        createdAt: now(),
      };
      try {
        await store.insert(record);
      } catch {
        return refuse('duplicate', 'duplicate_credential'); // a parallel registration of the same credential
      }
      await audit?.record({
        type: 'admin.passkey_enrolled',
        outcome: 'success',
        actor: admin.username,
        ...originOf(input.from),
        details: { passkeyId: record.id, name: record.name, backedUp: record.backedUp, after: challenge.verifiedBy },
      });
      return { ok: true, passkey: { id: record.id, name: record.name }, verifiedBy: challenge.verifiedBy };
    },

    /** Options for navigator.credentials.get() for this admin's passkeys; null when it has none. */
    async assertionOptions(
      adminId: string,
      binding: string,
      purpose: Exclude<ChallengePurpose, 'register'>,
    ): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
      if (!passkeyAccepted(config.secondFactor)) return null;
      const passkeys = await store.listForAdmin(adminId);
      if (!passkeys.length) return null;
      const options = await generateAuthenticationOptions({
        rpID: config.rpId,
        timeout: CEREMONY_TIMEOUT_MS,
        userVerification: 'required',
        allowCredentials: passkeys.map((p) => ({
          id: p.credentialId,
          transports: p.transports as AuthenticatorTransport[],
        })),
      });
      await store.putChallenge(
        binding,
        purpose,
        {
          adminId,
          challenge: options.challenge,
          verifiedBy: null,
          expiresAt: new Date(clock.now() + CHALLENGE_TTL_MS),
        },
        now(),
      );
      return options;
    },

    /**
     * Checks an assertion against the challenge issued for `binding` and `purpose` (single use),
     * the admin's own passkey, ISSUER's origin and rpID, user verification, and a rising counter.
     * A counter that did not rise (a cloned authenticator, or a replay) is refused, audited and alerted.
     */
    async verifyAssertion(input: {
      adminId: string;
      binding: string;
      purpose: Exclude<ChallengePurpose, 'register'>;
      response: unknown;
      from: SignInOrigin;
    }): Promise<AssertionResult> {
      const challenge = await store.takeChallenge(input.binding, input.purpose, now());
      const admin = await core.store.findById(input.adminId);
      if (!admin) return { ok: false, reason: 'invalid' };
      if (admin.disabled) return { ok: false, reason: 'disabled' };
      if (isLocked(admin)) return { ok: false, reason: 'locked' };
      if (!passkeyAccepted(config.secondFactor)) return { ok: false, reason: 'not_allowed' };
      const failed = async (reason: string): Promise<AssertionResult> => {
        const locked = await fail(admin, input.from, reason, input.purpose);
        return { ok: false, reason: locked ? 'locked' : 'invalid' };
      };
      if (!challenge || challenge.adminId !== admin.id) return failed('no_challenge');
      const response = parseResponse<AuthenticationResponseJSON>(input.response);
      if (!response) return failed('malformed');
      const passkey = await store.findByCredentialId(response.id);
      if (!passkey || passkey.adminId !== admin.id) return failed('unknown_credential');
      let newCounter: number;
      try {
        const v = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challengeMatches(challenge.challenge),
          ...expected,
          // Counter 0 here: the rising-counter rule is ours (atomic, below), so a regression is told apart.
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: 0,
            transports: passkey.transports as AuthenticatorTransport[],
          },
        });
        if (!v.verified || !v.authenticationInfo.userVerified) return failed('not_verified');
        newCounter = v.authenticationInfo.newCounter;
      } catch (err) {
        return failed(`rejected: ${(err as Error).message.slice(0, 200)}`);
      }
      if (!(await store.acceptCounter(passkey.id, newCounter, now()))) {
        const details = { passkeyId: passkey.id, name: passkey.name, storedCounter: passkey.counter, newCounter };
        await audit?.record({
          type: 'admin.passkey_counter_regression',
          outcome: 'denied',
          actor: admin.username,
          ...originOf(input.from),
          details,
        });
        void deps.alerts?.raise({
          rule: 'passkey_counter_regression',
          severity: 'high',
          actor: admin.username,
          ip: originOf(input.from).ip,
          summary:
            `A passkey of ${admin.username} ("${passkey.name}") answered with a counter that did not rise: ` +
            'possibly a cloned authenticator',
          details,
          dedupKey: `passkey_counter_regression:${passkey.id}`,
        });
        return failed('counter_regression');
      }
      await core.store.update(admin.id, { failed_attempts: 0 }, now());
      await audit?.record({
        type: 'admin.passkey_used',
        outcome: 'success',
        actor: admin.username,
        ...originOf(input.from),
        details: { passkeyId: passkey.id, name: passkey.name, purpose: input.purpose },
      });
      return { ok: true, passkey: { id: passkey.id, name: passkey.name } };
    },

    /**
     * For any page's step-up (a fresh proof before a sensitive action): pair with
     * `assertionOptions(adminId, binding, 'step_up')` when rendering the page.
     */
    verifyStepUp(input: { adminId: string; binding: string; response: unknown; from: SignInOrigin }) {
      return service.verifyAssertion({ ...input, purpose: 'step_up' });
    },

    async rename(adminId: string, id: string, name: unknown, actor: string, from: SignInOrigin): Promise<boolean> {
      const clean = passkeyName(name, '');
      if (!clean || !(await store.rename(adminId, id, clean))) return false;
      await audit?.record({
        type: 'admin.passkey_renamed',
        outcome: 'success',
        actor,
        ...originOf(from),
        details: { passkeyId: id, name: clean },
      });
      return true;
    },

    /** Removes one passkey of `adminId`; `actor` is who did it (the admin, or `cli`). */
    async remove(adminId: string, id: string, actor: string, from: SignInOrigin): Promise<PasskeyRecord | null> {
      const removed = await store.remove(adminId, id);
      if (!removed) return null;
      const owner = await core.store.findById(adminId);
      await audit?.record({
        type: 'admin.passkey_removed',
        outcome: 'success',
        actor,
        ...originOf(from),
        details: { passkeyId: id, name: removed.name, admin: owner?.username ?? null },
      });
      return removed;
    },

    /** A code refused by the policy (not a guess: nothing was checked, nothing counted). */
    async codeRefused(admin: Pick<AdminRecord, 'username'>, from: SignInOrigin, where: string): Promise<void> {
      await audit?.record({
        type: 'admin.second_factor_refused',
        outcome: 'denied',
        actor: admin.username,
        ...originOf(from),
        details: { factor: 'code', policy: config.secondFactor, where },
      });
    },
  };
  return service;
}

export type PasskeyService = ReturnType<typeof createPasskeyService>;
