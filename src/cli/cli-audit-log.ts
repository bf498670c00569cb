import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { createLogger } from '../logging/logger.js';
import type { CliContext } from './cli-context.js';

/** The audit trail for CLI commands; a failed audit write is reported on stderr, never swallowed. */
export function cliAuditLog(ctx: CliContext): AuditLog {
  return createAuditLog({ db: ctx.db, clock: ctx.clock, logger: createLogger({ level: 'warn', write: (line) => ctx.io.err(line) }) });
}
