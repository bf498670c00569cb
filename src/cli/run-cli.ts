import { parseArgs } from 'node:util';
import { isAppError } from '../errors/app-error.js';
import type { CliBase, CliIo, CommandTable } from './cli-context.js';
import { createServices } from '../runtime/services.js';
import { createLogger } from '../logging/logger.js';
import { CliError, CliUsageError, EXIT } from './cli-context.js';
import { commandHelp, helpText } from './cli-help.js';
import { VERSION } from './version.js';

/** Exit code and message of a failed command: typed CLI errors, then the store's AppErrors (404 → not found). */
function failure(err: unknown): { code: number; message: string } {
  if (err instanceof CliError) return { code: err.exitCode, message: err.message };
  // A bad SCOPES_FILE or ROUTES_FILE is configuration, as for the server: EX_CONFIG.
  if (isAppError(err) && err.code === 'config.invalid_data_file') return { code: 78, message: err.message };
  if (isAppError(err))
    return {
      code: err.status === 404 ? EXIT.notFound : EXIT.failed,
      message: err.expose ? err.message : 'internal error',
    };
  return { code: EXIT.failed, message: `failed: ${(err as Error)?.message ?? String(err)}` };
}

/**
 * Parses argv against the command table and runs one command. `openContext` is only called once
 * the arguments are valid, so `--help` and typos never touch the database.
 */
export async function runCli(
  argv: string[],
  table: CommandTable,
  io: CliIo,
  openContext: () => Promise<{ ctx: CliBase; close: () => Promise<void> }>,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText(table));
    return name ? EXIT.ok : EXIT.usage;
  }
  const spec = table[name];
  if (!spec) {
    io.err(`unknown command "${name}"\n\n${helpText(table)}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(name, spec));
    return EXIT.ok;
  }
  let args;
  try {
    const options = Object.fromEntries(
      Object.entries(spec.options ?? {}).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false }]),
    );
    args = parseArgs({ args: joinDashValues(rest, options), options, allowPositionals: false, strict: true });
    for (const [k, o] of Object.entries(spec.options ?? {})) {
      const v = args.values[k];
      if (o.required && (v === undefined || (typeof v === 'string' && !v.trim())))
        throw new CliUsageError(`--${k} is required`);
    }
  } catch (err) {
    io.err(`${name}: ${(err as Error).message}\n\n${commandHelp(name, spec)}`);
    return EXIT.usage;
  }
  const { ctx, close } = await openContext();
  // Every line a command writes to stderr names the command (warnings, audit write failures).
  const cmdIo: CliIo = { ...ctx.io, err: (line) => ctx.io.err(`${name}: ${line}`) };
  let services;
  try {
    // A failed audit write (or any warning of a service) is reported on stderr, never swallowed.
    const logger = createLogger({ level: 'warn', write: (line) => cmdIo.err(line) });
    services = createServices({ config: ctx.config, db: ctx.db, clock: ctx.clock, box: ctx.box, logger });
    return await spec.run(
      { ...ctx, io: cmdIo, services },
      args as { values: Record<string, unknown>; positionals: string[] },
    );
  } catch (err) {
    const { code, message } = failure(err);
    io.err(`${name}: ${message}`);
    return code;
  } finally {
    await services?.close();
    await close();
  }
}

/**
 * `--session -Ab3…`: a value may begin with "-" (base64url ids do), and parseArgs takes such a
 * value for an option. After a string option, a token that names none of the command's options
 * is its value.
 */
function joinDashValues(argv: string[], options: Record<string, { type: string }>): string[] {
  const isOption = (token: string) => {
    const long = /^--([^=]+)/.exec(token);
    return token === '-h' || (long !== null && (long[1]! in options || long[1] === 'help'));
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    const name = /^--([^=]+)$/.exec(token)?.[1];
    if (name && options[name]?.type === 'string' && next?.startsWith('-') && !isOption(next)) {
      out.push(`${token}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}
