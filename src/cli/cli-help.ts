import type { CommandSpec, CommandTable, OptionSpec } from './cli-context.js';

const label = (opt: string, o: OptionSpec) => `--${opt}${o.type === 'string' ? ' <value>' : ''}`;

/** Two columns, the first as wide as its longest entry. */
function columns(rows: [string, string][], indent = '  '): string[] {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}  ${b}`.trimEnd());
}

/** The options after the command name: the spec's own text, or required ones bare and the rest in brackets. */
export function usageOf(spec: CommandSpec): string {
  if (spec.usage !== undefined) return spec.usage;
  return Object.entries(spec.options ?? {})
    .map(([opt, o]) => (o.required ? label(opt, o) : `[${label(opt, o)}]`))
    .join(' ');
}

export function helpText(table: CommandTable): string {
  return [
    'Usage: npm run cli -- <command> [options]',
    '',
    'Commands:',
    ...columns(Object.entries(table).map(([name, spec]) => [name, spec.summary])),
    '',
    'Run `npm run cli -- <command> --help` for its options; `npm run cli -- --version` for the version.',
    'Exit codes: 0 ok, 1 failed, 2 usage error, 3 not found.',
  ].join('\n');
}

export function commandHelp(name: string, spec: CommandSpec): string {
  const lines = [`Usage: npm run cli -- ${name} ${usageOf(spec)}`.trimEnd(), '', spec.summary];
  const opts = Object.entries(spec.options ?? {});
  if (opts.length) {
    lines.push('', 'Options:');
    lines.push(
      ...columns(
        opts.map(([opt, o]) => [
          label(opt, o),
          o.description + (o.required ? ' (required)' : '') + (o.multiple ? ' (repeatable)' : ''),
        ]),
      ),
    );
  }
  return lines.join('\n');
}
