import '../runtime-check.js';
import { isConfigError } from '../config/load-config.js';
import { readEnv } from '../config/read-env.js';
import { KeyMismatchError } from '../db/key-check.js';
import { describeStartupFailure } from '../startup/startup-failure.js';
import { runCli } from './run-cli.js';
import { commandTable } from './command-table.js';
import { CliDatabaseError } from './cli-database.js';
import { openCliContext } from './open-cli-context.js';
import type { CliIo } from './cli-context.js';

// Same configuration as the server: .env in the working directory, the environment winning.
const env = readEnv();
const io: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  stdout: process.stdout,
  readStdin: async () => {
    if (process.stdin.isTTY) return '';
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env,
};

try {
  const argv = process.argv.slice(2);
  const code = await runCli(argv, commandTable, io, () => openCliContext(env, io, argv[0] ?? ''));
  process.exitCode = code;
} catch (err) {
  if (isConfigError(err) || err instanceof KeyMismatchError) {
    io.err(err.message);
    process.exitCode = 78; // EX_CONFIG
  } else if (err instanceof CliDatabaseError) {
    io.err(err.message);
    process.exitCode = err.exitCode;
  } else {
    // The database or key the command needs is not usable: one line, as the server says it.
    const failure = describeStartupFailure(err, { databaseUrl: env.DATABASE_URL || null });
    io.err(failure ? `cannot open the database: ${failure.message}` : `fatal: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = failure ? failure.exitCode : 1;
  }
}
