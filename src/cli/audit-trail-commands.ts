import { Writable } from 'node:stream';
import { verifyAuditChains, type VerifyReport } from '../audit/audit-verify.js';
import { pruneAuditEvents } from '../audit/audit-retention.js';
import { exportAuditEvents } from '../audit/audit-export.js';
import { EXPORT_FORMATS, type ExportFormat } from '../audit/audit-export-formats.js';
import { type CliIo, type CommandTable, CliError, CliUsageError, EXIT, printJson } from './cli-context.js';
import { parseSelection, selectionOptions } from './audit-commands.js';
import { snakeJson } from './present-json.js';

function describeReport(r: VerifyReport): string[] {
  const lines = r.breaks.map((b) => `chain ${b.chainId}: BROKEN at seq ${b.seq} (row ${b.rowId}): ${b.message}`);
  const verdict = r.ok ? 'intact' : `${r.breaks.length} broken`;
  lines.push(
    `${r.chains} chains, ${r.rowsChecked} rows checked: ${verdict}` +
      `; ${r.anchoredChains} chains start at a prune anchor; ${r.unchainedLegacy} rows unchained (legacy)`,
  );
  return lines;
}

/** Lines through io.out() where the CLI has no stream (a test's io): chunks are split at newlines. */
function linesOf(io: CliIo): Writable {
  let rest = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: string, _enc, done) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const p of parts) io.out(p.replace(/\r$/, ''));
      done();
    },
    final(done) {
      if (rest) io.out(rest);
      done();
    },
  });
}

export const auditTrailCommands: CommandTable = {
  'audit:verify': {
    summary: "Check every audit chain's hashes; exit 1 and name the first broken link of each broken chain",
    options: { json: { type: 'boolean', description: 'JSON output' } },
    async run(ctx, { values }) {
      const report = await verifyAuditChains(ctx.db);
      if (values.json) printJson(ctx.io, snakeJson(report));
      else for (const line of describeReport(report)) ctx.io.out(line);
      return report.ok ? EXIT.ok : EXIT.failed;
    },
  },
  'audit:prune': {
    summary: 'Delete audit rows past AUDIT_RETENTION_DAYS now (the server does it by itself), recording audit.pruned',
    options: {
      days: { type: 'string', description: 'keep this many days instead of AUDIT_RETENTION_DAYS (at least 1)' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const days = values.days === undefined ? ctx.config.auditTrail.retentionDays : Number(values.days);
      if (!Number.isInteger(days) || days < 0 || (values.days !== undefined && days < 1))
        throw new CliUsageError('--days must be a whole number of days, at least 1');
      if (days === 0) {
        ctx.io.out('AUDIT_RETENTION_DAYS is 0 (keep forever): nothing pruned. --days <n> prunes once.');
        return EXIT.ok;
      }
      const result = await pruneAuditEvents(ctx.db, { retentionDays: days, nowMs: ctx.clock.now(), actor: 'cli' });
      if (result.outcome === 'busy') throw new CliError('another instance is pruning right now; nothing done');
      if (values.json) printJson(ctx.io, snakeJson(result));
      else if (result.outcome === 'nothing') ctx.io.out(`nothing older than ${result.cutoff.toISOString()}`);
      else
        ctx.io.out(
          `removed ${result.removed} rows older than ${result.cutoff.toISOString()} ` +
            `(${Object.keys(result.chains).length} chains re-anchored, ${result.legacyRemoved} unchained rows)`,
        );
      return EXIT.ok;
    },
  },
  'audit:export': {
    summary: 'Stream audit events, oldest first, to stdout as CSV, JSON (array or lines) or XML',
    usage:
      '--format csv|json|jsonl|xml [--since <when>] [--until <when>] [--key <type>] [--client <id>] [--actor <who>]',
    options: {
      format: { type: 'string', required: true, description: `one of ${EXPORT_FORMATS.join(', ')}` },
      ...selectionOptions,
    },
    async run(ctx, { values }) {
      const format = values.format as string;
      if (!(EXPORT_FORMATS as readonly string[]).includes(format))
        throw new CliUsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')} (got "${format}")`);
      const selection = parseSelection(ctx, values);
      const out = ctx.io.stdout ?? linesOf(ctx.io);
      await exportAuditEvents(ctx.db, selection, format as ExportFormat, out);
      if (!ctx.io.stdout) await new Promise<void>((resolve) => out.end(resolve));
      return EXIT.ok;
    },
  },
};
