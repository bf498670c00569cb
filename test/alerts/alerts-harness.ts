import { createAlerts, type AlertsDeps, type AlertsService } from '../../src/alerts/alerts-service.js';
import { createAuditLog, type AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/config.js';
import type { Db } from '../../src/db/create-db.js';
import { createLogger } from '../../src/logging/logger.js';
import { createFakeClock } from '../support/fake-clock.js';
import { testEnv } from '../support/test-env.js';

export interface AuditRowInput {
  type: string;
  outcome?: string;
  /** Milliseconds before the harness clock's now (default 0: now). */
  ago?: number;
  /** An absolute time instead of `ago`. */
  at?: Date;
  actor?: string | null;
  clientId?: string | null;
  ip?: string | null;
  country?: string | null;
  route?: string | null;
  status?: number | null;
  details?: Record<string, unknown>;
}

export interface AlertsHarness {
  config: Config;
  clock: ReturnType<typeof createFakeClock>;
  audit: AuditLog;
  alerts: AlertsService;
  logLines: string[];
  /** Audit rows as other instances would have written them, at chosen times. */
  insert(rows: AuditRowInput[]): Promise<void>;
  /** `alert.raised` rows, optionally of one rule, oldest first. */
  raised(
    rule?: string,
  ): Promise<{ id: string; actor: string | null; client_id: string | null; ip: string | null; details: any }[]>;
  close(): Promise<void>;
}

/**
 * An alerts service over a test database, as services.ts builds it, with a fake clock and rows
 * settled at once (ALERT_EVAL_SETTLE_MS=0) unless `env` says otherwise.
 */
export function alertsHarness(
  db: Db,
  opts: { env?: Record<string, string>; deps?: Partial<AlertsDeps>; clock?: ReturnType<typeof createFakeClock> } = {},
): AlertsHarness {
  const config = loadConfig(testEnv({ ALERT_EVAL_SETTLE_MS: '0', ...opts.env }));
  const clock = opts.clock ?? createFakeClock();
  const logLines: string[] = [];
  const logger = createLogger({ level: 'warn', write: (l) => logLines.push(l) });
  const audit = createAuditLog({ db, clock, logger });
  const alerts = createAlerts({ db, clock, logger, audit, config: config.alerts, ...opts.deps });
  return {
    config,
    clock,
    audit,
    alerts,
    logLines,
    async insert(rows) {
      const now = clock.now();
      const records = rows.map((r) => ({
        at: r.at ?? new Date(now - (r.ago ?? 0)),
        type: r.type,
        outcome: r.outcome ?? 'info',
        actor: r.actor ?? null,
        client_id: r.clientId ?? null,
        ip: r.ip ?? null,
        country: r.country ?? null,
        route: r.route ?? null,
        status: r.status ?? null,
        details: JSON.stringify(r.details ?? {}),
      }));
      for (let i = 0; i < records.length; i += 500) await db('audit_events').insert(records.slice(i, i + 500));
    },
    async raised(rule) {
      const q = db('audit_events').where({ type: 'alert.raised' }).orderBy('id');
      if (rule) q.whereRaw(`details->>'rule' = ?`, [rule]);
      const rows = await q;
      return rows.map((r) => ({
        ...r,
        id: String(r.id),
        details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      }));
    },
    async close() {
      await alerts.stop();
      await audit.close(1000);
    },
  };
}

/** `n` copies of `row`, spread evenly over `spanMs` ending `endAgo` ms before now. */
export function spread(n: number, row: AuditRowInput, spanMs: number, endAgo = 0): AuditRowInput[] {
  return Array.from({ length: n }, (_, i) => ({
    ...row,
    ago: endAgo + (n === 1 ? 0 : (spanMs * (n - 1 - i)) / (n - 1)),
  }));
}
