import '../runtime-check.js';
import { isConfigError, loadConfig } from '../config/load-config.js';
import { createDb, pgliteDirFor } from '../db/create-db.js';
import { migrateLatest } from '../db/migrate.js';
import { createSecretBox } from '../security/secret-box.js';
import { systemClock } from '../clock.js';
import { describeStartupFailure } from '../startup/startup-failure.js';
import { runCli } from './run-cli.js';
import { commandTable } from './command-table.js';
import type { CliIo } from './cli-context.js';
import type { Config } from '../config/config.js';

const io: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readStdin: async () => {
    if (process.stdin.isTTY) return '';
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};

let loadedConfig: Config | undefined;
try {
  const code = await runCli(process.argv.slice(2), commandTable, io, async () => {
    const config = (loadedConfig = loadConfig());
    const db = createDb({ databaseUrl: config.databaseUrl, pgliteDir: pgliteDirFor(config.dataDir), poolMax: 2 });
    const box = createSecretBox(config.encryptionKeys);
    await migrateLatest(db, { box });
    return {
      ctx: { config, db, box, clock: systemClock, io },
      close: () => db.destroy(),
    };
  });
  process.exitCode = code;
} catch (err) {
  if (isConfigError(err)) {
    io.err(err.message);
    process.exitCode = 78;
  } else {
    // The database or key the command needs is not usable: one line, as the server says it.
    const failure = loadedConfig && describeStartupFailure(err, loadedConfig);
    io.err(failure ? `cannot open the database: ${failure.message}` : `fatal: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = failure ? failure.exitCode : 1;
  }
}
