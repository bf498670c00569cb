import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';

export type Db = Knex;

export interface DbOptions {
  /** postgres:// URL; null → embedded PGlite. */
  databaseUrl: string | null;
  /** Where PGlite keeps its files; null → in memory (tests). */
  pgliteDir?: string | null;
  poolMax?: number;
}

/** One factory for both engines so every query and migration runs unchanged on each. */
export function createDb(opts: DbOptions): Db {
  if (opts.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      pool: { min: 0, max: opts.poolMax ?? 10 },
    });
  }
  let connection: Record<string, string> = {};
  if (opts.pgliteDir) {
    mkdirSync(opts.pgliteDir, { recursive: true });
    connection = { filename: opts.pgliteDir };
  }
  return knexFactory({ client: ClientPgLite as unknown as typeof Knex.Client, dialect: 'postgres', connection });
}

export function pgliteDirFor(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

/** Whether the database answers; used by /readyz. */
export async function pingDb(db: Db): Promise<boolean> {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
