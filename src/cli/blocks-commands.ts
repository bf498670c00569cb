import { isIP } from 'node:net';
import type { Block, BlockKind } from '../rate-limits/block-list.js';
import { normalizeIp } from '../security/ip-address.js';
import { type CliContext, type CommandTable, CliUsageError, printJson } from './cli-context.js';

const blocks = (ctx: CliContext) => ctx.services.blocks;

const present = (b: Block) => ({
  id: b.id,
  kind: b.kind,
  subject: b.subject,
  scope: b.scope,
  reason: b.reason,
  created_at: b.createdAt.toISOString(),
  expires_at: b.expiresAt.toISOString(),
  created_by: b.createdBy,
});

const line = (b: Block) =>
  `#${b.id}  ${b.kind.padEnd(6)}  ${b.subject.padEnd(40)}  until ${b.expiresAt.toISOString()}  ` +
  `${b.scope === 'token' ? '[token endpoints] ' : ''}${b.reason} (by ${b.createdBy})`;

/** --ip or --client (exactly one for add; at most one for clear). */
function subjectOf(values: Record<string, unknown>): { kind: BlockKind; subject: string } | null {
  const ip = values.ip as string | undefined;
  const client = values.client as string | undefined;
  if (ip !== undefined && client !== undefined) throw new CliUsageError('give --ip or --client, not both');
  if (ip !== undefined) {
    if (!isIP(ip.trim())) throw new CliUsageError(`--ip "${ip}" is not an IPv4 or IPv6 address`);
    return { kind: 'ip', subject: normalizeIp(ip.trim()) };
  }
  if (client !== undefined) {
    if (!client.trim()) throw new CliUsageError('--client needs a client id');
    return { kind: 'client', subject: client.trim() };
  }
  return null;
}

const json = { json: { type: 'boolean' as const, description: 'JSON output' } };
const subjectOptions = {
  ip: { type: 'string' as const, description: 'an IP address' },
  client: { type: 'string' as const, description: 'a client id' },
};

export const blocksCommands: CommandTable = {
  'blocks:list': {
    summary: 'List active blocks of IPs and clients (automatic after repeated abuse, or blocks:add), newest first',
    usage: '[--json]',
    options: { ...json },
    async run(ctx, { values }) {
      const list = await blocks(ctx).list();
      if (values.json) printJson(ctx.io, list.map(present));
      else if (!list.length) ctx.io.out('no active blocks');
      else for (const b of list) ctx.io.out(line(b));
      return 0;
    },
  },
  'blocks:add': {
    summary: 'Block an IP or a client on every instance (429 with Retry-After) for a while',
    usage: '--ip <address> | --client <id> [--duration <seconds>] [--reason <text>] [--json]',
    options: {
      ...subjectOptions,
      duration: { type: 'string', description: 'seconds (default BLOCK_DURATION_S)' },
      reason: { type: 'string', description: 'why (shown in blocks:list and the audit trail)' },
      ...json,
    },
    async run(ctx, { values }) {
      const target = subjectOf(values);
      if (!target) throw new CliUsageError('give --ip <address> or --client <id>');
      const duration =
        values.duration === undefined ? ctx.services.config.securityOps.blocks.durationS : values.duration;
      if (!/^\d+$/.test(String(duration)) || Number(duration) < 1)
        throw new CliUsageError('--duration must be whole seconds (at least 1)');
      const b = await blocks(ctx).block(target.kind, target.subject, {
        reason: String(values.reason ?? 'blocked by an admin').slice(0, 200),
        durationS: Number(duration),
        actor: 'cli',
      });
      if (values.json) printJson(ctx.io, present(b));
      else ctx.io.out(`blocked ${b.kind} ${b.subject} until ${b.expiresAt.toISOString()} (#${b.id})`);
      return 0;
    },
  },
  'blocks:clear': {
    summary: 'End blocks: one (--id), of an IP or a client, or every one (--all); effective on every instance',
    usage: '--id <n> | --ip <address> | --client <id> | --all [--json]',
    options: {
      id: { type: 'string', description: 'block id (see blocks:list)' },
      ...subjectOptions,
      all: { type: 'boolean', description: 'every active block' },
      ...json,
    },
    async run(ctx, { values }) {
      const target = subjectOf(values);
      const id = values.id as string | undefined;
      const given = [target !== null, id !== undefined, values.all === true].filter(Boolean).length;
      if (given !== 1) throw new CliUsageError('give one of --id <n>, --ip <address>, --client <id> or --all');
      if (id !== undefined && !/^\d+$/.test(id))
        throw new CliUsageError('--id must be a block number (see blocks:list)');
      const cleared = await blocks(ctx).clear({ ...(target ?? {}), ...(id ? { id } : {}) }, 'cli');
      if (values.json) printJson(ctx.io, { cleared });
      else ctx.io.out(`cleared ${cleared} block(s)`);
      return 0;
    },
  },
};
