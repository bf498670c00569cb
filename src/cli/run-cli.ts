import { parseArgs } from 'node:util';
import type { CliContext, CliIo, CommandSpec, CommandTable } from './cli-context.js';
import { CliUsageError } from './cli-context.js';

function helpText(table: CommandTable): string {
  const lines = ['Usage: npm run cli -- <command> [options]', '', 'Commands:'];
  for (const [name, spec] of Object.entries(table)) lines.push(`  ${name.padEnd(24)} ${spec.summary}`);
  lines.push('', 'Run `npm run cli -- <command> --help` for its options.');
  return lines.join('\n');
}

function commandHelp(name: string, spec: CommandSpec): string {
  const lines = [`Usage: npm run cli -- ${name} ${spec.usage ?? '[options]'}`, '', spec.summary];
  const opts = Object.entries(spec.options ?? {});
  if (opts.length) {
    lines.push('', 'Options:');
    for (const [opt, o] of opts) lines.push(`  --${opt}${o.type === 'string' ? ' <value>' : ''}`.padEnd(32) + o.description + (o.multiple ? ' (repeatable)' : ''));
  }
  return lines.join('\n');
}

/**
 * Parses argv against the command table and runs one command. `openContext` is only called once
 * the arguments are valid, so `--help` and typos never touch the database.
 */
export async function runCli(
  argv: string[],
  table: CommandTable,
  io: CliIo,
  openContext: () => Promise<{ ctx: CliContext; close: () => Promise<void> }>,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText(table));
    return name ? 0 : 2;
  }
  const spec = table[name];
  if (!spec) {
    io.err(`unknown command "${name}"\n\n${helpText(table)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(name, spec));
    return 0;
  }
  let args;
  try {
    const options = Object.fromEntries(Object.entries(spec.options ?? {}).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false }]));
    args = parseArgs({ args: rest, options, allowPositionals: false, strict: true });
  } catch (err) {
    io.err(`${name}: ${(err as Error).message}\n\n${commandHelp(name, spec)}`);
    return 2;
  }
  const { ctx, close } = await openContext();
  try {
    return await spec.run(ctx, args as { values: Record<string, unknown>; positionals: string[] });
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`${name}: ${err.message}`);
      return 2;
    }
    const e = err as Error & { expose?: boolean };
    io.err(`${name} failed: ${e.message}`);
    return 1;
  } finally {
    await close();
  }
}
