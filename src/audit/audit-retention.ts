import type { Knex } from 'knex';
import type { Db } from '../db/create-db.js';
import { sealStandalone, type ChainHead } from './audit-chain.js';

const DAY_MS = 86_400_000;
/** pg advisory lock key ("audi", "prun"): one prune at a time across every instance. */
const PRUNE_LOCK: [number, number] = [0x61756469, 0x7072756e];

/** Where a prune cut one chain: how many rows went, and the last removed row (the chain's new anchor). */
export interface ChainCut {
  removed: number;
  last_seq: number;
  last_hash: string;
}

export type PruneResult =
  | {
      outcome: 'pruned' | 'nothing';
      cutoff: Date;
      removed: number;
      legacyRemoved: number;
      chains: Record<string, ChainCut>;
    }
  | { outcome: 'busy'; cutoff: Date };

/**
 * Rows older than `retentionDays` whole days go; the cutoff is a UTC midnight, so the job removes
 * at most one day's rows a day however often it runs, and the `audit.pruned` events it leaves stay
 * few. Rows live at least `retentionDays` days, at most one more.
 */
export function pruneCutoff(nowMs: number, retentionDays: number): Date {
  return new Date(Math.floor(nowMs / DAY_MS) * DAY_MS - retentionDays * DAY_MS);
}

/**
 * The retention job: the only deletion of audit rows. Per chain it removes the prefix before the
 * chain's first row at or after the cutoff (a prefix, so what remains is still one unbroken run),
 * and records in the same transaction an `audit.pruned` event naming per chain how many rows went
 * and the seq and hash of the last one: verify starts that chain from there. `audit.pruned` rows
 * themselves are kept (they are the anchors). Several instances: the advisory lock lets one run,
 * and a second run finds nothing left to remove.
 */
export async function pruneAuditEvents(
  db: Db,
  opts: { retentionDays: number; nowMs: number; actor: string },
): Promise<PruneResult> {
  const cutoff = pruneCutoff(opts.nowMs, opts.retentionDays);
  return db.transaction(async (trx) => {
    const lock = await trx.raw('select pg_try_advisory_xact_lock(?, ?) as ok', PRUNE_LOCK);
    if (!lock.rows[0].ok) return { outcome: 'busy' as const, cutoff };
    const chains: Record<string, ChainCut> = {};
    const old = await trx('audit_events')
      .distinct('chain_id')
      .where('at', '<', cutoff)
      .whereNotNull('chain_id')
      .whereNot({ type: 'audit.pruned' });
    for (const { chain_id: chainId } of old as { chain_id: string }[]) {
      const cut = await cutChain(trx, chainId, cutoff);
      if (cut) chains[chainId] = cut;
    }
    const legacyRemoved = deleted(await trx('audit_events').whereNull('chain_id').where('at', '<', cutoff).del());
    const removed = legacyRemoved + Object.values(chains).reduce((n, c) => n + c.removed, 0);
    if (removed === 0) return { outcome: 'nothing' as const, cutoff, removed, legacyRemoved, chains };
    await recordPruned(trx, opts, {
      cutoff: cutoff.toISOString(),
      retention_days: opts.retentionDays,
      removed,
      legacy_removed: legacyRemoved,
      chains,
    });
    return { outcome: 'pruned' as const, cutoff, removed, legacyRemoved, chains };
  });
}

/** A DELETE's row count: pg gives a number, the PGlite client its whole result (without RETURNING, no ids to hold). */
const deleted = (result: unknown) =>
  typeof result === 'number' ? result : Number((result as { rowCount?: number }).rowCount ?? 0);

async function cutChain(trx: Knex.Transaction, chainId: string, cutoff: Date): Promise<ChainCut | null> {
  const kept = await trx('audit_events')
    .where({ chain_id: chainId })
    .where('at', '>=', cutoff)
    .orderBy('seq')
    .first('seq');
  const prefix = () => {
    const q = trx('audit_events').where({ chain_id: chainId });
    return kept ? q.where('seq', '<', kept.seq) : q;
  };
  const last = await prefix().orderBy('seq', 'desc').first('seq', 'hash');
  if (!last) return null;
  const removed = deleted(await prefix().del());
  return { removed, last_seq: Number(last.seq), last_hash: last.hash as string };
}

/** The event is a chain of its own (one row), written with the deletion: a cut never lacks its anchor. */
async function recordPruned(trx: Knex.Transaction, opts: { nowMs: number; actor: string }, details: object) {
  const at = new Date(opts.nowMs);
  const row = { at, type: 'audit.pruned', outcome: 'info', actor: opts.actor, details: JSON.stringify(details) };
  await trx('audit_events').insert(sealStandalone(row));
}

/** The newest anchor a prune left for `chainId`, or null (the chain starts at its genesis value). */
export async function readChainAnchor(db: Db, chainId: string): Promise<ChainHead | null> {
  const row = await db('audit_events')
    .where({ type: 'audit.pruned' })
    .whereRaw("details->'chains'->? is not null", [chainId])
    .orderByRaw("(details->'chains'->?->>'last_seq')::bigint desc", [chainId])
    .first(
      db.raw("details->'chains'->?->>'last_seq' as seq", [chainId]),
      db.raw("details->'chains'->?->>'last_hash' as hash", [chainId]),
    );
  return row ? { seq: Number(row.seq), hash: row.hash as string } : null;
}
