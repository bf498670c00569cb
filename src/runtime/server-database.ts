import type { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config/config.js';
import { createDb, createEmbeddedDb, pgliteDirFor, type Db } from '../db/create-db.js';
import { acquireDataDirLock } from '../db/data-dir-lock.js';
import { checkEncryptionKey } from '../db/key-check.js';
import { migrateLatest } from '../db/migrate.js';
import type { SessionGate } from '../db/pglite-session-gate.js';
import type { Logger } from '../logging/logger.js';
import type { SecretBox } from '../security/secret-box.js';

export interface ServerDatabase {
  db: Db;
  /** The embedded database, which the server shares with the CLI through its socket; null on PostgreSQL. */
  embedded: { pglite: PGlite; gate: SessionGate } | null;
  /** What the start-up log says: `postgresql` or `pglite:<dir>`. */
  description: string;
  close(): Promise<void>;
}

/**
 * The server's database: PostgreSQL when DATABASE_URL is set, else the embedded one in DATA_DIR,
 * which one process opens (this server; throws DataDirBusyError when another holds it). Migrated,
 * and checked to open with ENCRYPTION_KEY (throws KeyMismatchError; secrets resealed to the current key).
 */
export async function openServerDatabase(config: Config, box: SecretBox, logger: Logger): Promise<ServerDatabase> {
  let lock: { release(): void } | null = null;
  if (!config.databaseUrl) {
    lock = acquireDataDirLock(config.dataDir, 'server', (h) =>
      logger.warn('took over the DATA_DIR lock of a process that is gone', { pid: h.pid, dataDir: config.dataDir }),
    );
    const held = lock;
    process.on('exit', () => held.release());
  }
  const embedded = config.databaseUrl ? null : createEmbeddedDb(pgliteDirFor(config.dataDir));
  const db =
    embedded?.db ??
    createDb({
      databaseUrl: config.databaseUrl,
      poolMax: config.databasePoolMax,
      onLog: (level, message) => logger.debug('knex', { level, message }),
    });
  const close = async () => {
    await db.destroy();
    lock?.release();
  };
  try {
    const applied = await migrateLatest(db, { box });
    if (applied.length) logger.info('migrations applied', { migrations: applied });
    await checkEncryptionKey(db, box, { reseal: true });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return {
    db,
    embedded: embedded ? { pglite: embedded.pglite, gate: embedded.gate } : null,
    description: config.databaseUrl ? 'postgresql' : `pglite:${pgliteDirFor(config.dataDir)}`,
    close,
  };
}
