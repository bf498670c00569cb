import type { readers } from './env-readers.js';

export interface AuditTrailConfig {
  /** Audit rows older than this many whole days are pruned (AUDIT_RETENTION_DAYS); 0 keeps them forever. */
  readonly retentionDays: number;
}

/** The audit trail's retention (issue 15); the writer's batching settings stay in `Config.audit`. */
export function readAuditTrailConfig(r: ReturnType<typeof readers>): AuditTrailConfig {
  return { retentionDays: r.int('AUDIT_RETENTION_DAYS', 0, { min: 0, max: 36_500 }) };
}
