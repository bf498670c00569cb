import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { redact } from '../logging/logger.js';
import type { AuditEvent, AuditEventType } from './audit-events.js';
import { createAuditWriter } from './audit-writer.js';
import { countryOf } from '../security/ip-country.js';
import { requestContext } from '../logging/request-context.js';
import { applyAuditSelection, type AuditSelection } from './audit-selection.js';

export interface AuditFilter extends AuditSelection {
  limit?: number;
}

export interface AuditLog {
  /** The hash chain this process appends to (see audit-chain.ts). */
  readonly chainId: string;
  /**
   * Queues the event (its time is taken now) and resolves once it is queued, not written: rows
   * go to the database in batches. Waits only when the queue is full (back-pressure).
   */
  record(event: AuditEvent): Promise<void>;
  /** Resolves when every event recorded so far is written (or, failing that, logged). */
  flush(): Promise<void>;
  /** Shutdown: flushes for at most `timeoutMs`, then logs what the database did not take. */
  close(timeoutMs: number): Promise<void>;
  /** Rows queued or being written (the metrics' audit buffer depth). */
  queueDepth(): number;
  /** Flushes first, so a caller reads what it recorded. */
  list(filter?: AuditFilter): Promise<(AuditEvent & { at: Date; id: string })[]>;
}

export interface AuditLogOptions {
  flushIntervalMs?: number;
  bufferMax?: number;
  /** Sees every event as it is recorded (the metrics count sign-ins, tokens, refusals from it). */
  onRecord?: (event: AuditEvent) => void;
}

/** Append-only audit trail in the database (shared by every instance). */
export function createAuditLog(deps: { db: Db; clock: Clock; logger: Logger } & AuditLogOptions): AuditLog {
  const { db, clock, logger } = deps;
  const writer = createAuditWriter({
    db,
    logger,
    flushIntervalMs: deps.flushIntervalMs ?? 5,
    bufferMax: deps.bufferMax ?? 10_000,
  });
  return {
    chainId: writer.chainId,
    record(e) {
      deps.onRecord?.(e);
      // Recorded while serving the request it names: what the event leaves out comes from there.
      const rc = requestContext(e.requestId);
      const ip = e.ip ?? rc?.ip ?? null;
      const userAgent = e.userAgent ?? rc?.userAgent ?? null;
      return writer.push({
        at: new Date(clock.now()),
        type: e.type,
        outcome: e.outcome,
        actor: e.actor ?? null,
        client_id: e.clientId ?? null,
        grant_id: e.grantId ?? null,
        ip,
        request_id: e.requestId ?? null,
        country: e.country ?? countryOf(ip),
        // Bounded: a client chooses its user agent, and a row is not a place for megabytes.
        user_agent: userAgent ? userAgent.slice(0, 512) : null,
        route: e.route ?? rc?.route() ?? null,
        status: e.status ?? null,
        duration_ms: e.durationMs == null ? null : Math.round(e.durationMs),
        details: JSON.stringify(redact(e.details ?? {})),
      });
    },
    flush: () => writer.flush(),
    close: (timeoutMs) => writer.close(timeoutMs),
    queueDepth: () => writer.depth(),
    async list(filter = {}) {
      await writer.flush();
      const q = db('audit_events')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100);
      const rows = await applyAuditSelection(q, filter);
      return rows.map((r: Record<string, unknown>) => ({
        id: String(r.id),
        at: new Date(r.at as string),
        type: r.type as AuditEventType,
        outcome: r.outcome as AuditEvent['outcome'],
        actor: r.actor as string | null,
        clientId: r.client_id as string | null,
        grantId: r.grant_id as string | null,
        ip: r.ip as string | null,
        requestId: r.request_id as string | null,
        country: r.country as string | null,
        userAgent: r.user_agent as string | null,
        route: r.route as string | null,
        status: r.status as number | null,
        durationMs: r.duration_ms as number | null,
        details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>,
      }));
    },
  };
}
