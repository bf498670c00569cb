import { tokenStats, type TokenStatsRow } from '../oidc/token-stats.js';
import { parseWhen } from './audit-commands.js';
import { type CommandTable, CliUsageError, printJson } from './cli-context.js';

const present = (r: TokenStatsRow & { name: string | null }) => ({
  client_id: r.clientId,
  name: r.name,
  issued: r.issued,
  refreshed: r.refreshed,
  expired_unused: r.expiredUnused,
  revoked: r.revoked,
  refresh_reuse: r.refreshReuse,
});

export const tokensCommands: CommandTable = {
  'tokens:stats': {
    summary:
      'Tokens per client from the audit trail: issued, refreshed, expired unused (code grants never used), ' +
      'revoked, refresh replays',
    usage: '[--since <when>] [--until <when>] [--client <id>] [--json]',
    options: {
      since: { type: 'string', description: 'from: ISO date/time, or 30m, 24h, 7d ago (default 30d)' },
      until: { type: 'string', description: 'until (default now)' },
      client: { type: 'string', description: 'one client only' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const { clock, config } = ctx.services;
      const since = parseWhen('since', values.since ?? '30d', clock)!;
      const until = parseWhen('until', values.until, clock) ?? new Date(clock.now());
      if (since >= until) throw new CliUsageError('--since must be before --until');
      const rows = await tokenStats(ctx.services.db, {
        since,
        until,
        now: clock.now(),
        accessTokenTtlS: config.accessTokenTtlS,
        clientId: values.client as string | undefined,
      });
      const names = new Map((await ctx.services.clients.list()).map((c) => [c.clientId, c.name]));
      const named = rows.map((r) => ({ ...r, name: names.get(r.clientId) ?? null }));
      if (values.json) {
        printJson(ctx.io, { since: since.toISOString(), until: until.toISOString(), clients: named.map(present) });
        return 0;
      }
      ctx.io.out(`tokens from ${since.toISOString()} until ${until.toISOString()}`);
      if (!named.length) ctx.io.out('no token activity');
      else {
        ctx.io.out(
          `${'client'.padEnd(30)} ${'issued'.padStart(8)} ${'refreshed'.padStart(10)} ${'unused'.padStart(8)} ` +
            `${'revoked'.padStart(8)} ${'replays'.padStart(8)}`,
        );
        for (const r of named)
          ctx.io.out(
            `${(r.name ?? r.clientId).slice(0, 30).padEnd(30)} ${String(r.issued).padStart(8)} ` +
              `${String(r.refreshed).padStart(10)} ${String(r.expiredUnused).padStart(8)} ` +
              `${String(r.revoked).padStart(8)} ${String(r.refreshReuse).padStart(8)}`,
          );
      }
      return 0;
    },
  },
};
