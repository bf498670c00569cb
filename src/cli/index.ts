import { isConfigError, loadConfig } from '../config/load-config.js';
import { readEnv } from '../config/read-env.js';
import { migrateLatest } from '../db/migrate.js';
import { checkEncryptionKey, KeyMismatchError } from '../db/key-check.js';
import { createSecretBox } from '../security/secret-box.js';
import { systemClock } from '../clock.js';
import { runCli } from './run-cli.js';
import { commandTable } from './command-table.js';
import { CliDatabaseError, openCliDatabase } from './cli-database.js';
import type { CliIo } from './cli-context.js';

// Same configuration as the server: .env in the working directory, the environment winning.
const env = readEnv();
const io: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readStdin: async () => {
    if (process.stdin.isTTY) return '';
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env,
};

// Only these may bring a new embedded database into being; any other command on an empty DATA_DIR
// is almost surely looking at the wrong directory.
const CREATING_COMMANDS = new Set(['db:migrate', 'db:seed']);

try {
  const code = await runCli(process.argv.slice(2), commandTable, io, async () => {
    const config = loadConfig(env);
    const box = createSecretBox(config.encryptionKeys);
    const database = await openCliDatabase(config, { mayCreate: CREATING_COMMANDS.has(process.argv[2] ?? ''), warn: (m) => io.err(`WARNING: ${m}`) });
    try {
      await migrateLatest(database.db);
      await checkEncryptionKey(database.db, box);
    } catch (err) {
      await database.close();
      throw err;
    }
    return { ctx: { config, db: database.db, box, clock: systemClock, io }, close: database.close };
  });
  process.exitCode = code;
} catch (err) {
  if (isConfigError(err) || err instanceof KeyMismatchError) {
    io.err(err.message);
    process.exitCode = 78; // EX_CONFIG
  } else if (err instanceof CliDatabaseError) {
    io.err(err.message);
    process.exitCode = err.exitCode;
  } else {
    io.err(`fatal: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  }
}
