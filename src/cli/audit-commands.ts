import { AUDIT_EVENT_TYPES } from '../audit/audit-events.js';
import type { AuditEventType } from '../audit/audit-events.js';
import type { AuditSelection } from '../audit/audit-selection.js';
import type { Clock } from '../clock.js';
import { type CliContext, type CommandTable, type OptionSpec, CliUsageError, printJson } from './cli-context.js';
import { clientOptions, optionalClientId } from './client-option.js';
import { presentAuditEvent } from './present-json.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`/`--until`: an ISO date or time, or a duration ago like `30m`, `24h`, `7d`. */
export function parseWhen(flag: string, value: unknown, clock: Clock): Date | undefined {
  if (value === undefined) return undefined;
  const v = String(value).trim();
  const rel = /^(\d+)([mhd])$/.exec(v);
  if (rel) return new Date(clock.now() - Number(rel[1]) * UNITS[rel[2]!]!);
  const d = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new CliUsageError(
      `--${flag} must be an ISO date (2026-12-01, 2026-12-01T10:00:00Z) or a duration ago (30m, 24h, 7d), not "${v}"`,
    );
  return d;
}

/** The filters audit:list and audit:export share. */
export const selectionOptions = {
  type: { type: 'string', description: 'only this event type, e.g. consent.approved' },
  key: { type: 'string', description: 'same as --type (the event key)' },
  ...clientOptions,
  actor: { type: 'string', description: 'only events by this actor (an admin username, cli, a client id)' },
  since: { type: 'string', description: 'from this time on: ISO date/time, or 30m, 24h, 7d ago' },
  until: { type: 'string', description: 'before this time: ISO date/time, or 30m, 24h, 7d ago' },
} as const satisfies Record<string, OptionSpec>;

export function parseSelection(ctx: CliContext, values: Record<string, unknown>): AuditSelection {
  const [byType, byKey] = [values.type as string | undefined, values.key as string | undefined];
  if (byType !== undefined && byKey !== undefined && byType !== byKey)
    throw new CliUsageError('--type and --key name different event types; give one');
  const type = byType ?? byKey;
  if (type !== undefined && !(AUDIT_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new CliUsageError(`unknown --type "${type}" (valid: ${AUDIT_EVENT_TYPES.join(', ')})`);
  }
  const since = parseWhen('since', values.since, ctx.clock);
  const until = parseWhen('until', values.until, ctx.clock);
  if (since && until && since >= until) throw new CliUsageError('--since must be before --until');
  return {
    type: type as AuditEventType | undefined,
    clientId: optionalClientId(values),
    actor: values.actor as string | undefined,
    since,
    until,
  };
}

export const auditCommands: CommandTable = {
  'audit:list': {
    summary: 'Newest audit events first (consents, sign-ins, client changes, Magento links, gateway calls)',
    usage:
      '[--type|--key <type>] [--client <id>] [--actor <who>] [--since <when>] [--until <when>] [--limit <n>] [--json]',
    options: {
      ...selectionOptions,
      limit: { type: 'string', description: 'how many (default 50, at most 1000)' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new CliUsageError('--limit must be a whole number from 1 to 1000');
      const events = await ctx.services.audit.list({ ...parseSelection(ctx, values), limit });
      if (values.json) printJson(ctx.io, events.map(presentAuditEvent));
      else
        for (const e of events) {
          ctx.io.out(
            `${e.at.toISOString()}  ${e.type.padEnd(28)} ${e.outcome.padEnd(8)} ${e.actor ?? '-'}  ` +
              `${e.clientId ?? ''}  ${e.ip ?? ''}  ${JSON.stringify(e.details ?? {})}`,
          );
        }
      return 0;
    },
  },
};
