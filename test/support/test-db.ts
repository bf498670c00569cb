import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDb, type Db } from '../../src/db/create-db.js';
import { migrateLatest } from '../../src/db/migrate.js';

export interface TestDb {
  db: Db;
  /** postgres URL of this test's own database, or null on PGlite. */
  url: string | null;
  engine: 'pglite' | 'postgresql';
  destroy(): Promise<void>;
}

/**
 * A fresh, migrated database per test file: with DATABASE_URL set (the CI PostgreSQL run), a new
 * database is created on that server and dropped afterwards; otherwise an in-memory PGlite.
 */
export async function createTestDb(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const serverUrl = process.env.DATABASE_URL;
  let t: TestDb;
  if (serverUrl) {
    const name = `bridge_test_${randomBytes(6).toString('hex')}`;
    const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const db = createDb({ databaseUrl: url.toString(), poolMax: 10 });
    t = {
      db,
      url: url.toString(),
      engine: 'postgresql',
      async destroy() {
        await db.destroy();
        await admin.raw(`drop database if exists ${name} with (force)`);
        await admin.destroy();
      },
    };
  } else {
    const db = createDb({ databaseUrl: null, pgliteDir: null });
    t = { db, url: null, engine: 'pglite', destroy: () => db.destroy() };
  }
  if (opts.migrate !== false) await migrateLatest(t.db);
  return t;
}
