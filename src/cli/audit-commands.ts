import type { AuditEventType } from '../audit/audit-events.js';
import { cliAuditLog } from './cli-audit-log.js';
import { type CommandTable, CliUsageError, printJson } from './cli-context.js';

export const auditCommands: CommandTable = {
  'audit:list': {
    summary: 'Newest audit events first (consents, sign-ins, client changes, Magento links, gateway calls)',
    usage: '[--type <type>] [--client <id>] [--limit <n>] [--json]',
    options: {
      type: { type: 'string', description: 'only this event type, e.g. consent.approved' },
      client: { type: 'string', description: 'only events of this client' },
      limit: { type: 'string', description: 'how many (default 50, at most 1000)' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliUsageError('--limit must be a whole number from 1 to 1000');
      const audit = cliAuditLog(ctx);
      const events = await audit.list({ type: values.type as AuditEventType | undefined, clientId: values.client as string | undefined, limit });
      if (values.json) printJson(ctx.io, events);
      else for (const e of events) {
        ctx.io.out(`${e.at.toISOString()}  ${e.type.padEnd(28)} ${e.outcome.padEnd(8)} ${e.actor ?? '-'}  ${e.clientId ?? ''}  ${e.ip ?? ''}  ${JSON.stringify(e.details ?? {})}`);
      }
      return 0;
    },
  },
};
