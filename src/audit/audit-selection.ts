import type { Knex } from 'knex';
import type { AuditEventType, AuditOutcome } from './audit-events.js';

/** Which audit rows: the filters audit:list, audit:export and the console's audit page share. */
export interface AuditSelection {
  type?: AuditEventType;
  clientId?: string;
  actor?: string;
  /** The request's address as recorded (exact match). */
  ip?: string;
  outcome?: AuditOutcome;
  /** Inclusive lower and exclusive upper bound on `at`. */
  since?: Date;
  until?: Date;
}

export function applyAuditSelection<Q extends Knex.QueryBuilder>(q: Q, s: AuditSelection): Q {
  if (s.type) q.where({ type: s.type });
  if (s.clientId) q.where({ client_id: s.clientId });
  if (s.actor) q.where({ actor: s.actor });
  if (s.ip) q.where({ ip: s.ip });
  if (s.outcome) q.where({ outcome: s.outcome });
  if (s.since) q.where('at', '>=', s.since);
  if (s.until) q.where('at', '<', s.until);
  return q;
}
