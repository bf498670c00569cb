import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { SessionGate } from './pglite-session-gate.js';

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

function knexLog(opts: Pick<DbOptions, 'onLog'>) {
  const to = (level: 'warn' | 'error' | 'debug' | 'deprecate') => (message: unknown) =>
    opts.onLog?.(level, String(message));
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
  return createEmbeddedDb(opts.pgliteDir ?? null).db;
}

export interface EmbeddedDb {
  db: Db;
  pglite: PGlite;
  /** Taken by knex for each connection use (a query, a whole transaction); shared with the CLI socket. */
  gate: SessionGate;
}

/**
 * knex on one in-process PGlite whose single session is shared through `gate`: knex holds it for
 * as long as it holds its one pooled connection, so a CLI session served on the socket
 * (pglite-socket-server.ts) never lands inside one of the server's transactions, nor the reverse.
 */
export function createEmbeddedDb(dir: string | null): EmbeddedDb {
  if (dir) mkdirSync(dir, { recursive: true });
  const pglite = dir ? new PGlite(dir) : new PGlite();
  const gate = new SessionGate();
  const Base = ClientPgLite as unknown as typeof Knex.Client;
  class GatedPgLite extends Base {
    private turn: symbol | null = null;
    override async acquireConnection(): Promise<unknown> {
      const turn = Symbol('server');
      await gate.acquire(turn);
      try {
        const connection: unknown = await super.acquireConnection();
        this.turn = turn;
        return connection;
      } catch (err) {
        gate.release(turn);
        throw err;
      }
    }
    override async releaseConnection(connection: unknown): Promise<unknown> {
      const turn = this.turn;
      this.turn = null;
      try {
        return await super.releaseConnection(connection);
      } finally {
        if (turn) gate.release(turn);
      }
    }
  }
  const db = knexFactory({
    client: GatedPgLite,
    dialect: 'postgres',
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    log: knexLog({}),
  });
  return { db, pglite, gate };
}

/** The CLI's knex on the running server's embedded database, through its socket in DATA_DIR. */
export function createSocketDb(dataDir: string, port: number): Db {
  return knexFactory({
    client: 'pg',
    // node-postgres: a host starting with "/" is the directory of the socket `.s.PGSQL.<port>`.
    connection: { host: dataDir, port, user: 'postgres', database: 'postgres' },
    // One connection: one turn at the server's session at a time, never two waiting on each other.
    pool: { min: 0, max: 1 },
    log: knexLog({}),
  });
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
