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
  /** Where knex's own warnings go (they repeat errors the caller already gets); default: dropped. */
  onLog?: (level: 'warn' | 'error' | 'debug' | 'deprecate', message: string) => void;
}

function knexLog(opts: DbOptions) {
  const to = (level: 'warn' | 'error' | 'debug' | 'deprecate') => (message: unknown) => opts.onLog?.(level, String(message));
  return { warn: to('warn'), error: to('error'), debug: to('debug'), deprecate: to('deprecate') };
}

/** One factory for both engines so every query and migration runs unchanged on each. */
export function createDb(opts: DbOptions): Db {
  if (opts.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      pool: { min: 0, max: opts.poolMax ?? 10 },
      log: knexLog(opts),
    });
  }
  let connection: Record<string, string> = {};
  if (opts.pgliteDir) {
    mkdirSync(opts.pgliteDir, { recursive: true });
    connection = { filename: opts.pgliteDir };
  }
  return knexFactory({ client: ClientPgLite as unknown as typeof Knex.Client, dialect: 'postgres', connection, log: knexLog(opts) });
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
