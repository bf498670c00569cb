import type { Db } from '../db/create-db.js';

export const ADMIN_ROLES = ['owner', 'auditor'] as const;
/** owner: everything; auditor: reads and exports, never writes. */
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminRecord {
  id: string;
  username: string;
  role: AdminRole;
  passwordHash: string;
  /** Sealed TOTP secret; null → the admin must enrol at the next login. */
  totpSecret: string | null;
  totpLastStep: number | null;
  failedAttempts: number;
  lockedUntil: Date | null;
  disabled: boolean;
  lastLoginAt: Date | null;
  createdAt: Date;
}

function toRecord(r: Record<string, unknown>): AdminRecord {
  return {
    id: r.id as string,
    username: r.username as string,
    role: (r.role as AdminRole | undefined) ?? 'owner',
    passwordHash: r.password_hash as string,
    totpSecret: (r.totp_secret as string | null) ?? null,
    totpLastStep: r.totp_last_step === null || r.totp_last_step === undefined ? null : Number(r.totp_last_step),
    failedAttempts: Number(r.failed_attempts),
    lockedUntil: r.locked_until ? new Date(r.locked_until as string) : null,
    disabled: Boolean(r.disabled),
    lastLoginAt: r.last_login_at ? new Date(r.last_login_at as string) : null,
    createdAt: new Date(r.created_at as string),
  };
}

/** Queries on the admins tables; no policy here (that is admin-service.ts). */
export function createAdminStore(db: Db) {
  return {
    async insert(row: {
      id: string;
      username: string;
      passwordHash: string;
      totpSecret: string | null;
      role?: AdminRole;
      now: Date;
    }): Promise<void> {
      await db('admins').insert({
        id: row.id,
        username: row.username,
        role: row.role ?? 'owner',
        password_hash: row.passwordHash,
        totp_secret: row.totpSecret,
        created_at: row.now,
        updated_at: row.now,
      });
    },
    async findById(id: string): Promise<AdminRecord | null> {
      const r = await db('admins').where({ id }).first();
      return r ? toRecord(r) : null;
    },
    async findByUsername(username: string): Promise<AdminRecord | null> {
      const r = await db('admins').whereRaw('lower(username) = lower(?)', [username]).first();
      return r ? toRecord(r) : null;
    },
    async findByIds(ids: string[]): Promise<Pick<AdminRecord, 'id' | 'username'>[]> {
      if (!ids.length) return [];
      return db('admins').whereIn('id', ids).select('id', 'username');
    },
    async delete(id: string): Promise<void> {
      await db('admins').where({ id }).delete();
    },
    async list(): Promise<AdminRecord[]> {
      return (await db('admins').orderByRaw('lower(username)')).map(toRecord);
    },
    async update(id: string, fields: Record<string, unknown>, now: Date): Promise<void> {
      await db('admins')
        .where({ id })
        .update({ ...fields, updated_at: now });
    },
    /** One more failure; at the threshold the account locks and the counter restarts. */
    async recordFailure(id: string, threshold: number, lockUntil: Date, now: Date): Promise<{ locked: boolean }> {
      const rows = await db('admins')
        .where({ id })
        .update({
          failed_attempts: db.raw('case when failed_attempts + 1 >= ? then 0 else failed_attempts + 1 end', [
            threshold,
          ]),
          locked_until: db.raw('case when failed_attempts + 1 >= ? then ?::timestamptz else locked_until end', [
            threshold,
            lockUntil,
          ]),
          updated_at: now,
        })
        .returning(['locked_until']);
      const lockedUntil = rows[0]?.locked_until ? new Date(rows[0].locked_until as string) : null;
      return { locked: lockedUntil !== null && lockedUntil.getTime() === lockUntil.getTime() };
    },
    /** Accepts a TOTP step only if it is newer than the last one (atomic: two parallel replays, one wins). */
    async acceptTotpStep(id: string, step: number): Promise<boolean> {
      const rows = await db('admins')
        .where({ id })
        .andWhere((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
        .update({ totp_last_step: step })
        .returning(['id']);
      return rows.length === 1;
    },
    async replaceRecoveryCodes(adminId: string, hashes: string[]): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('admin_recovery_codes').where({ admin_id: adminId }).delete();
        if (hashes.length)
          await trx('admin_recovery_codes').insert(hashes.map((h) => ({ admin_id: adminId, code_hash: h })));
      });
    },
    async consumeRecoveryCode(adminId: string, hash: string, now: Date): Promise<boolean> {
      const rows = await db('admin_recovery_codes')
        .where({ admin_id: adminId, code_hash: hash })
        .whereNull('used_at')
        .update({ used_at: now })
        .returning(['id']);
      return rows.length === 1;
    },
    async remainingRecoveryCodes(adminId: string): Promise<number> {
      const r = await db('admin_recovery_codes')
        .where({ admin_id: adminId })
        .whereNull('used_at')
        .count<{ n: string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },
  };
}

export type AdminStore = ReturnType<typeof createAdminStore>;
