import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { createInvalidatingCache } from '../db/invalidating-cache.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Logger } from '../logging/logger.js';

export type BlockKind = 'ip' | 'client';
/** `token`: only the token, introspection, revocation and PAR endpoints; `all`: every request. */
export type BlockScope = 'all' | 'token';

export interface Block {
  id: string;
  kind: BlockKind;
  subject: string;
  reason: string;
  scope: BlockScope;
  createdAt: Date;
  expiresAt: Date;
  createdBy: string;
}

/** Seconds until the block ends (at least 1): its answers' Retry-After. */
export function blockRetryAfter(block: Block, now: number): number {
  return Math.max(1, Math.ceil((block.expiresAt.getTime() - now) / 1000));
}

export interface BlockList {
  /**
   * The active block of this IP or client that applies where the request is (`token`: the
   * client-authenticating endpoints, which `token`-scoped blocks also cover), from memory.
   */
  find(kind: BlockKind, subject: string, where?: 'token' | 'other'): Promise<Block | null>;
  block(
    kind: BlockKind,
    subject: string,
    opts: { reason: string; durationS: number; actor?: string; scope?: BlockScope },
  ): Promise<Block>;
  /** Active blocks, newest first. */
  list(): Promise<Block[]>;
  /** Ends blocks (all, one kind, one subject or one id); returns how many. */
  clear(filter: { kind?: BlockKind; subject?: string; id?: string }, actor: string): Promise<number>;
  /**
   * One more refusal (429) of this IP or client: past `afterRefusals` within the window, the
   * subject is blocked for `durationS` (repeated abuse, not one burst). Never throws.
   */
  noteRefusal(kind: BlockKind, subject: string): Promise<void>;
}

const TABLE = 'security_blocks';

/**
 * Blocks of abusive IPs and clients in the database, shared by every instance. Requests check them
 * in memory: the active set is loaded once and reloaded when any instance (or the CLI) changes it.
 */
export function createBlockList(deps: {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  feed: ChangeFeed;
  limiter: RateLimiter;
  fallbackTtlMs: number;
  escalation: { afterRefusals: number; refusalWindowS: number; durationS: number };
  /** Where a failed escalation is told (the refusal it followed stands either way). */
  logger?: Logger;
}): BlockList {
  const { db, clock, audit } = deps;
  const snapshot = createInvalidatingCache<Map<string, Block[]>>({
    name: 'blocks',
    feed: deps.feed,
    tag: 'block',
    clock,
    liveTtlMs: 60_000,
    fallbackTtlMs: deps.fallbackTtlMs,
    max: 1,
    onChange: () => snapshot.clear(),
  });
  const keyOf = (kind: BlockKind, subject: string) => `${kind}:${subject}`;

  async function loadActive(): Promise<Block[]> {
    const rows: Record<string, unknown>[] = await db(TABLE)
      .whereNull('cleared_at')
      .where('expires_at', '>', new Date(clock.now()))
      .orderBy('id', 'desc');
    return rows.map(toBlock);
  }
  const active = () =>
    snapshot.get('all', async () => {
      const byKey = new Map<string, Block[]>();
      for (const b of await loadActive()) {
        const key = keyOf(b.kind, b.subject);
        byKey.set(key, [...(byKey.get(key) ?? []), b]);
      }
      return byKey;
    });

  const list: BlockList = {
    async find(kind, subject, where = 'other') {
      const blocks = (await active()).get(keyOf(kind, subject));
      if (!blocks) return null;
      const now = clock.now();
      return blocks.find((b) => b.expiresAt.getTime() > now && (b.scope === 'all' || where === 'token')) ?? null;
    },
    async block(kind, subject, opts) {
      const now = clock.now();
      const [row] = await db(TABLE)
        .insert({
          subject_kind: kind,
          subject,
          reason: opts.reason,
          scope: opts.scope ?? 'all',
          created_at: new Date(now),
          expires_at: new Date(now + opts.durationS * 1000),
          created_by: opts.actor ?? 'system',
        })
        .returning('*');
      snapshot.clear();
      const b = toBlock(row as Record<string, unknown>);
      await audit.record({
        type: 'security.blocked',
        outcome: 'denied',
        actor: b.createdBy,
        clientId: kind === 'client' ? subject : null,
        ip: kind === 'ip' ? subject : null,
        details: { kind, reason: b.reason, scope: b.scope, until: b.expiresAt.toISOString(), blockId: b.id },
      });
      return b;
    },
    list: loadActive,
    async clear(filter, actor) {
      const q = db(TABLE).whereNull('cleared_at').where('expires_at', '>', new Date(clock.now()));
      if (filter.kind) q.where({ subject_kind: filter.kind });
      if (filter.subject) q.where({ subject: filter.subject });
      if (filter.id) q.where({ id: filter.id });
      const cleared: Record<string, unknown>[] = await q
        .update({ cleared_at: new Date(clock.now()), cleared_by: actor })
        .returning('*');
      snapshot.clear();
      for (const b of cleared.map(toBlock))
        await audit.record({
          type: 'security.block_cleared',
          outcome: 'success',
          actor,
          clientId: b.kind === 'client' ? b.subject : null,
          ip: b.kind === 'ip' ? b.subject : null,
          details: { kind: b.kind, reason: b.reason, blockId: b.id },
        });
      return cleared.length;
    },
    async noteRefusal(kind, subject) {
      try {
        await escalate(kind, subject);
      } catch (err) {
        deps.logger?.warn('could not escalate refusals to a block', { kind, err: (err as Error).message });
      }
    },
  };
  async function escalate(kind: BlockKind, subject: string) {
    const { afterRefusals, refusalWindowS, durationS } = deps.escalation;
    const r = await deps.limiter.hit(`refusals:${kind}:${subject}`, {
      max: afterRefusals,
      windowSeconds: refusalWindowS,
    });
    // Exactly once per escalation: the refusal that goes one past the allowance.
    if (r.storeDown || r.hits !== afterRefusals + 1) return;
    if (await list.find(kind, subject)) return;
    await list.block(kind, subject, { reason: `${afterRefusals} refusals within ${refusalWindowS} s`, durationS });
  }
  return list;
}

function toBlock(r: Record<string, unknown>): Block {
  return {
    id: String(r.id),
    kind: r.subject_kind as BlockKind,
    subject: r.subject as string,
    reason: r.reason as string,
    scope: (r.scope as BlockScope) ?? 'all',
    createdAt: new Date(r.created_at as string),
    expiresAt: new Date(r.expires_at as string),
    createdBy: r.created_by as string,
  };
}
