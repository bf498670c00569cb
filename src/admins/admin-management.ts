import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error.js';
import { checkPasswordPolicy } from './password-policy.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import { totpAad, type AdminCore } from './admin-deps.js';
import { ADMIN_ROLES, type AdminRecord, type AdminRole } from './admin-store.js';
import type { AdminSessions } from './admin-sessions.js';
import type { GrantAdmin } from '../oidc/grant-admin.js';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  recoveryCodes: string[];
}

export interface AdminSummary {
  id: string;
  username: string;
  role: AdminRole;
  totpEnrolled: boolean;
  disabled: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

export function summarizeAdmin(a: AdminRecord, now: number): AdminSummary {
  return {
    id: a.id,
    username: a.username,
    role: a.role,
    totpEnrolled: a.totpSecret !== null,
    disabled: a.disabled,
    lockedUntil: a.lockedUntil && a.lockedUntil.getTime() > now ? a.lockedUntil.toISOString() : null,
    lastLoginAt: a.lastLoginAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
  };
}

/** What the CLI does to admin accounts; every change is audited. */
export function createAdminManagement(core: AdminCore, services: { sessions: AdminSessions; grants: GrantAdmin }) {
  const { store, hasher, totp, deps } = core;
  const { box, clock, audit } = deps;
  const now = () => new Date(clock.now());

  async function mustFind(username: string): Promise<AdminRecord> {
    const admin = await store.findByUsername(username);
    if (!admin) throw new AppError('admins.not_found', `no admin named "${username}"`, 404);
    return admin;
  }
  function assertPassword(password: string, username: string) {
    const why = checkPasswordPolicy(password, username);
    if (why) throw new AppError('admins.weak_password', why, 400);
  }
  async function enrolTotp(admin: { id: string; username: string }, secret: string): Promise<TotpEnrolment> {
    const codes = generateRecoveryCodes();
    await store.update(admin.id, { totp_secret: box.seal(secret, totpAad(admin.id)), totp_last_step: null }, now());
    await store.replaceRecoveryCodes(
      admin.id,
      codes.map((c) => hashRecoveryCode(box, admin.id, c)),
    );
    return { secret, otpauthUri: totp.keyUri(admin.username, secret), recoveryCodes: codes };
  }
  /** `by`: who acted — `cli`, or the console admin's username. */
  const record = (
    type: 'admin.created' | 'admin.updated' | 'admin.unlocked' | 'admin.deleted',
    subject: string,
    details: Record<string, unknown>,
    by: string,
  ) => audit?.record({ type, outcome: 'success', actor: by, details: { admin: subject, ...details } });
  function assertRole(role: string): asserts role is AdminRole {
    if (!(ADMIN_ROLES as readonly string[]).includes(role))
      throw new AppError('admins.invalid_role', `the role must be one of ${ADMIN_ROLES.join(', ')}`, 400);
  }
  /** The last enabled owner stays: without one, nobody could manage the bridge. */
  async function assertAnotherOwner(admin: AdminRecord, change: string) {
    if (admin.disabled || admin.role !== 'owner') return;
    const others = (await store.list()).filter((a) => a.id !== admin.id && !a.disabled && a.role === 'owner');
    if (!others.length)
      throw new AppError(
        'admins.last_admin',
        `"${admin.username}" is the last enabled owner (${change} would leave nobody to manage the bridge); ` +
          'create or enable another owner first',
        409,
      );
  }

  return {
    enrolTotp,
    async create(input: {
      username: string;
      password: string;
      withTotp: boolean;
      role?: string;
      by?: string;
    }): Promise<{ admin: AdminSummary; enrolment: TotpEnrolment | null }> {
      const username = input.username.trim();
      const role = input.role ?? 'owner';
      assertRole(role);
      if (!USERNAME.test(username))
        throw new AppError('admins.invalid_username', 'the username must be 3–64 letters, digits or . _ @ -', 400);
      assertPassword(input.password, username);
      if (await store.findByUsername(username))
        throw new AppError('admins.exists', `an admin named "${username}" already exists`, 409);
      const id = randomUUID();
      await store.insert({
        id,
        username,
        passwordHash: await hasher.hash(input.password),
        totpSecret: null,
        role,
        now: now(),
      });
      const enrolment = input.withTotp ? await enrolTotp({ id, username }, totp.generateSecret()) : null;
      await record('admin.created', username, { totp: input.withTotp, role }, input.by ?? 'cli');
      return { admin: summarizeAdmin((await store.findById(id))!, clock.now()), enrolment };
    },
    /** One admin by username (case-insensitive); not found → AppError 404. */
    async get(username: string): Promise<AdminSummary> {
      return summarizeAdmin(await mustFind(username), clock.now());
    },
    /**
     * Deletes an admin with its sign-in sessions and every grant it approved (the apps' tokens from
     * those approvals stop working). The last enabled owner is kept: nobody could approve or manage anything.
     */
    async delete(username: string, by = 'cli'): Promise<{ admin: AdminSummary; sessions: number; grants: number }> {
      const admin = await mustFind(username);
      await assertAnotherOwner(admin, 'deleting it');
      const sessions = await services.sessions.revokeForAdmin(admin.id, by);
      const grants = await services.grants.revokeForAccount(admin.id, by);
      await store.delete(admin.id);
      await record('admin.deleted', admin.username, { sessions: sessions.length, grants }, by);
      return { admin: summarizeAdmin(admin, clock.now()), sessions: sessions.length, grants };
    },
    async list(): Promise<AdminSummary[]> {
      return (await store.list()).map((a) => summarizeAdmin(a, clock.now()));
    },
    /** Forgets the TOTP secret and recovery codes: the admin enrols again at the next login. */
    async resetTotp(username: string, by = 'cli'): Promise<void> {
      const admin = await mustFind(username);
      await store.update(admin.id, { totp_secret: null, totp_last_step: null }, now());
      await store.replaceRecoveryCodes(admin.id, []);
      await record('admin.updated', admin.username, { change: 'totp_reset' }, by);
    },
    async setDisabled(username: string, disabled: boolean, by = 'cli'): Promise<void> {
      const admin = await mustFind(username);
      if (disabled) await assertAnotherOwner(admin, 'disabling it');
      await store.update(admin.id, { disabled }, now());
      await record('admin.updated', admin.username, { change: disabled ? 'disabled' : 'enabled' }, by);
    },
    async setRole(username: string, role: string, by = 'cli'): Promise<AdminSummary> {
      assertRole(role);
      const admin = await mustFind(username);
      if (role !== 'owner') await assertAnotherOwner(admin, 'making it an auditor');
      await store.update(admin.id, { role }, now());
      await record('admin.updated', admin.username, { change: 'role', role }, by);
      return summarizeAdmin((await store.findById(admin.id))!, clock.now());
    },
    async unlock(username: string, by = 'cli'): Promise<void> {
      const admin = await mustFind(username);
      await store.update(admin.id, { locked_until: null, failed_attempts: 0 }, now());
      await record('admin.unlocked', admin.username, {}, by);
    },
    async setPassword(username: string, password: string, by = 'cli'): Promise<void> {
      const admin = await mustFind(username);
      assertPassword(password, admin.username);
      await store.update(admin.id, { password_hash: await hasher.hash(password) }, now());
      await record('admin.updated', admin.username, { change: 'password' }, by);
    },
  };
}

export type AdminManagement = ReturnType<typeof createAdminManagement>;
