import type { Db } from '../../db/create-db.js';
import type { Clock } from '../../clock.js';
import { newCsrfToken } from '../../security/csrf.js';
import type { SecretBox } from '../../security/secret-box.js';

/** The CSRF token is sealed at rest, bound to its row (migration 20261203140000 uses the same). */
const csrfAad = (uid: string) => `interaction_states:${uid}:csrf_token`;

export interface InteractionState {
  uid: string;
  csrfToken: string;
  adminId: string | null;
  /** start → password_ok (password checked, second factor or enrolment pending). */
  stage: 'start' | 'password_ok';
  pendingTotpSecret: string | null;
}

/**
 * Our server-side record of one oidc-provider interaction: the CSRF token of its forms and how far
 * the sign-in went. Lives no longer than the interaction itself.
 */
export function createInteractionStateStore(deps: { db: Db; clock: Clock; box: SecretBox; ttlSeconds: number }) {
  const { db, clock, box } = deps;
  const toState = (r: Record<string, unknown>): InteractionState => ({
    uid: r.uid as string,
    csrfToken: box.open(r.csrf_token_sealed as string, csrfAad(r.uid as string)),
    adminId: (r.admin_id as string | null) ?? null,
    stage: r.stage as InteractionState['stage'],
    pendingTotpSecret: (r.pending_totp_secret as string | null) ?? null,
  });
  return {
    async load(uid: string): Promise<InteractionState | null> {
      const r = await db('interaction_states')
        .where({ uid })
        .andWhere('expires_at', '>', new Date(clock.now()))
        .first();
      return r ? toState(r) : null;
    },
    async loadOrCreate(uid: string): Promise<InteractionState> {
      const existing = await this.load(uid);
      if (existing) return existing;
      const now = clock.now();
      // Expired rows of any interaction go on the way (cheap: indexed on expires_at).
      await db('interaction_states').where('expires_at', '<=', new Date(now)).delete();
      await db('interaction_states')
        .insert({
          uid,
          csrf_token_sealed: box.seal(newCsrfToken(), csrfAad(uid)),
          stage: 'start',
          expires_at: new Date(now + deps.ttlSeconds * 1000),
        })
        .onConflict('uid')
        .ignore();
      return (await this.load(uid))!;
    },
    async update(
      uid: string,
      fields: Partial<{ adminId: string | null; stage: InteractionState['stage']; pendingTotpSecret: string | null }>,
    ): Promise<void> {
      const row: Record<string, unknown> = {};
      if (fields.adminId !== undefined) row.admin_id = fields.adminId;
      if (fields.stage !== undefined) row.stage = fields.stage;
      if (fields.pendingTotpSecret !== undefined) row.pending_totp_secret = fields.pendingTotpSecret;
      await db('interaction_states').where({ uid }).update(row);
    },
    async remove(uid: string): Promise<void> {
      await db('interaction_states').where({ uid }).delete();
    },
  };
}

export type InteractionStateStore = ReturnType<typeof createInteractionStateStore>;
