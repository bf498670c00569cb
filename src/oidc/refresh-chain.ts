import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import { hashId } from './postgres-adapter.js';

const TABLE = 'oidc_payloads';
const MODEL = 'RefreshToken';
// A chain only grows by one token per refresh; within a grace window of seconds it stays short.
const MAX_HOPS = 50;

/**
 * The rotation history of refresh tokens: each rotated token's row names the row it replaced.
 * Every token has at most one successor (consume is a conditional update), so a chain is a line
 * and its only unconsumed, unexpired token is its live end.
 */
export interface RefreshChain {
  /** `token` (a provider id) was issued by rotating the token stored under row id `parentRowId`. */
  link(token: string, parentRowId: string): Promise<void>;
  /**
   * Consumes the live end of the chain after `token` (a provider id) and returns its row id;
   * null when there is none (expired, revoked, or a parallel request consumed it first).
   */
  consumeLiveSuccessor(token: string): Promise<string | null>;
}

export function createRefreshChain(deps: { db: Db; clock: Clock }): RefreshChain {
  const { db, clock } = deps;
  return {
    async link(token, parentRowId) {
      await db(TABLE)
        .where({ model: MODEL, id: hashId(token) })
        .update({ rotated_from: parentRowId });
    },
    async consumeLiveSuccessor(token) {
      let parent = hashId(token);
      const now = new Date(clock.now());
      for (let hop = 0; hop < MAX_HOPS; hop++) {
        const child: { id: string; consumed_at: Date | null } | undefined = await db(TABLE)
          .select('id', 'consumed_at')
          .where({ model: MODEL, rotated_from: parent })
          .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
          .first();
        if (!child) return null;
        if (child.consumed_at) {
          parent = child.id;
          continue;
        }
        const updated = await db(TABLE)
          .update({ consumed_at: now })
          .where({ model: MODEL, id: child.id })
          .whereNull('consumed_at')
          .returning('id');
        return updated.length ? child.id : null;
      }
      return null;
    },
  };
}
