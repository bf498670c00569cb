import type { Db } from '../db/create-db.js';

export interface PasskeyRecord {
  id: string;
  adminId: string;
  /** base64url, as the browser reports it; unique across all admins. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type ChallengePurpose = 'register' | 'sign_in' | 'step_up';

export interface ChallengeRecord {
  adminId: string;
  challenge: string;
  /** For a registration that follows a verified code: which factor it was. */
  verifiedBy: 'totp' | 'recovery' | 'passkey' | null;
}

const toRecord = (r: Record<string, unknown>): PasskeyRecord => ({
  id: r.id as string,
  adminId: r.admin_id as string,
  credentialId: r.credential_id as string,
  publicKey: r.public_key as string,
  counter: Number(r.counter),
  transports: String(r.transports ?? '')
    .split(',')
    .filter(Boolean),
  name: r.name as string,
  backedUp: Boolean(r.backed_up),
  createdAt: new Date(r.created_at as string),
  lastUsedAt: r.last_used_at ? new Date(r.last_used_at as string) : null,
});

/** Queries on admin_passkeys and admin_passkey_challenges; the rules are in passkey-service.ts. */
export function createPasskeyStore(db: Db) {
  return {
    async insert(row: Omit<PasskeyRecord, 'lastUsedAt'>): Promise<void> {
      await db('admin_passkeys').insert({
        id: row.id,
        admin_id: row.adminId,
        credential_id: row.credentialId,
        public_key: row.publicKey,
        counter: row.counter,
        transports: row.transports.join(','),
        name: row.name,
        backed_up: row.backedUp,
        created_at: row.createdAt,
      });
    },
    async listForAdmin(adminId: string): Promise<PasskeyRecord[]> {
      return (await db('admin_passkeys').where({ admin_id: adminId }).orderBy('created_at')).map(toRecord);
    },
    async countForAdmin(adminId: string): Promise<number> {
      const r = await db('admin_passkeys').where({ admin_id: adminId }).count<{ n: string }[]>({ n: '*' });
      return Number(r[0]?.n ?? 0);
    },
    async findByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
      const r = await db('admin_passkeys').where({ credential_id: credentialId }).first();
      return r ? toRecord(r) : null;
    },
    async rename(adminId: string, id: string, name: string): Promise<boolean> {
      return (await db('admin_passkeys').where({ admin_id: adminId, id }).update({ name })) === 1;
    },
    async remove(adminId: string, id: string): Promise<PasskeyRecord | null> {
      const rows = await db('admin_passkeys').where({ admin_id: adminId, id }).delete().returning('*');
      return rows[0] ? toRecord(rows[0]) : null;
    },
    /**
     * Takes the counter of a verified assertion, atomically: it must be higher than the stored one,
     * unless the authenticator keeps no counter (both 0). Two parallel uses of one counter: one wins.
     */
    async acceptCounter(id: string, counter: number, now: Date): Promise<boolean> {
      const rows = await db('admin_passkeys')
        .where({ id })
        .andWhere((q) =>
          q.where('counter', '<', counter).orWhere((z) => z.where('counter', 0).andWhereRaw('? = 0', [counter])),
        )
        .update({ counter, last_used_at: now })
        .returning(['id']);
      return rows.length === 1;
    },
    /** One live challenge per binding and purpose: a new one replaces the last. */
    async putChallenge(
      binding: string,
      purpose: ChallengePurpose,
      c: ChallengeRecord & { expiresAt: Date },
      now: Date,
    ): Promise<void> {
      await db('admin_passkey_challenges').where('expires_at', '<=', now).delete();
      await db('admin_passkey_challenges')
        .insert({
          binding,
          purpose,
          admin_id: c.adminId,
          challenge: c.challenge,
          verified_by: c.verifiedBy,
          expires_at: c.expiresAt,
        })
        .onConflict(['binding', 'purpose'])
        .merge();
    },
    async peekChallenge(binding: string, purpose: ChallengePurpose, now: Date): Promise<ChallengeRecord | null> {
      const r = await db('admin_passkey_challenges')
        .where({ binding, purpose })
        .andWhere('expires_at', '>', now)
        .first();
      return r ? toChallenge(r) : null;
    },
    /** Single use: the row is gone whatever the answer turns out to be. */
    async takeChallenge(binding: string, purpose: ChallengePurpose, now: Date): Promise<ChallengeRecord | null> {
      const rows = await db('admin_passkey_challenges').where({ binding, purpose }).delete().returning('*');
      const r = rows[0];
      return r && new Date(r.expires_at as string).getTime() > now.getTime() ? toChallenge(r) : null;
    },
    async dropChallenges(binding: string): Promise<void> {
      await db('admin_passkey_challenges').where({ binding }).delete();
    },
  };
}

const toChallenge = (r: Record<string, unknown>): ChallengeRecord => ({
  adminId: r.admin_id as string,
  challenge: r.challenge as string,
  verifiedBy: (r.verified_by as ChallengeRecord['verifiedBy']) ?? null,
});

export type PasskeyStore = ReturnType<typeof createPasskeyStore>;
