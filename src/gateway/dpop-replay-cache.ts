import { createHash } from 'node:crypto';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';

export interface DpopReplayCache {
  /** true the first time (jkt, jti) is seen on any instance; false for a replay. */
  firstUse(jkt: string, jti: string, expiresAtMs: number): Promise<boolean>;
}

const TABLE = 'dpop_proof_replays';
/** Expired rows are deleted by at most one query per instance per this interval. */
export const REPLAY_PURGE_INTERVAL_MS = 60_000;

/**
 * Proofs seen, in PostgreSQL so every instance shares them (RFC 9449 §11.1). One insert per call:
 * no row inserted means someone used this proof already. A row whose time is up may be taken over
 * before the purge removes it (its proof is refused by the iat window anyway).
 */
export function createDpopReplayCache(deps: { db: Db; clock: Clock }): DpopReplayCache {
  const { db, clock } = deps;
  let lastPurge = 0;
  return {
    async firstUse(jkt, jti, expiresAtMs) {
      const now = new Date(clock.now());
      if (clock.now() - lastPurge > REPLAY_PURGE_INTERVAL_MS) {
        lastPurge = clock.now();
        await db(TABLE).where('expires_at', '<=', now).delete();
      }
      // Per key (the jti is the client's): hashing bounds the row size whatever the client sends.
      const key = createHash('sha256').update(jkt).update('\0').update(jti).digest('base64url');
      const rows = await db(TABLE)
        .insert({ key, expires_at: new Date(expiresAtMs) })
        .onConflict('key')
        .merge({ expires_at: new Date(expiresAtMs) })
        .where(`${TABLE}.expires_at`, '<=', now)
        .returning(['key']);
      return rows.length === 1;
    },
  };
}
