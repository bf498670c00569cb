import { loadConfig } from '../config/load-config.js';
import { migrateLatest } from '../db/migrate.js';
import { checkEncryptionKey } from '../db/key-check.js';
import { createSecretBox } from '../security/secret-box.js';
import { systemClock } from '../clock.js';
import { openCliDatabase } from './cli-database.js';
import type { CliBase, CliIo } from './cli-context.js';

// Only these may bring a new embedded database into being; any other command on an empty DATA_DIR
// is almost surely looking at the wrong directory.
const CREATING_COMMANDS = new Set(['db:migrate', 'db:seed']);

/**
 * What every CLI command runs on: the server's configuration (from `env`), its database (see
 * openCliDatabase) and a check that ENCRYPTION_KEY opens that database's secrets.
 */
export async function openCliContext(
  env: Record<string, string | undefined>,
  io: CliIo,
  command: string,
): Promise<{ ctx: CliBase; close: () => Promise<void> }> {
  const config = loadConfig(env);
  const box = createSecretBox(config.encryptionKeys);
  const database = await openCliDatabase(config, {
    mayCreate: CREATING_COMMANDS.has(command),
    warn: (m) => io.err(`WARNING: ${m}`),
  });
  try {
    await migrateLatest(database.db, { box });
    await checkEncryptionKey(database.db, box);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { ctx: { config, db: database.db, box, clock: systemClock, io }, close: database.close };
}
