import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import type { Config } from '../config/config.js';
import { createDb, createEmbeddedDb, createSocketDb, pgliteDirFor, type Db } from '../db/create-db.js';
import { acquireDataDirLock, DataDirBusyError, holderAlive, readLockHolder } from '../db/data-dir-lock.js';
import { SOCKET_PORT, socketPathFor } from '../db/pglite-socket-server.js';

/** The CLI cannot reach the server's database as configured; `exitCode` 78 (config) or 69 (unavailable). */
export class CliDatabaseError extends Error {
  constructor(
    message: string,
    readonly exitCode: 69 | 78,
  ) {
    super(message);
    this.name = 'CliDatabaseError';
  }
}

export interface CliDatabase {
  db: Db;
  /** How the CLI reached it, for messages and tests. */
  via: 'postgresql' | 'server-socket' | 'data-dir';
  close(): Promise<void>;
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * The CLI's way to the database: PostgreSQL when DATABASE_URL is set; otherwise the running
 * server's own embedded database through its socket in DATA_DIR (never a second PGlite on the same
 * files); with no server, DATA_DIR opened directly under its exclusive lock, released on close.
 */
export async function openCliDatabase(
  config: Config,
  opts: { mayCreate: boolean; waitMs?: number; warn: (msg: string) => void },
): Promise<CliDatabase> {
  const dataDir = config.dataDir;
  if (config.databaseUrl) {
    const holder = readLockHolder(dataDir);
    if (holder?.role === 'server' && holderAlive(holder)) {
      throw new CliDatabaseError(
        `DATABASE_URL is set, but the server running on DATA_DIR ${dataDir} (pid ${holder.pid}) uses the ` +
          `embedded database: run the CLI with the server's configuration`,
        78,
      );
    }
    const db = createDb({ databaseUrl: config.databaseUrl, poolMax: 2 });
    return { db, via: 'postgresql', close: () => db.destroy() };
  }
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  for (;;) {
    if (await socketAnswers(socketPathFor(dataDir))) {
      const db = createSocketDb(dataDir, SOCKET_PORT);
      return { db, via: 'server-socket', close: () => db.destroy() };
    }
    const pgliteDir = pgliteDirFor(dataDir);
    if (!opts.mayCreate && !existsSync(pgliteDir)) {
      // Most likely another working directory or DATA_DIR than the server's: a fresh empty
      // database here would hand out clients and secrets the server never sees.
      throw new CliDatabaseError(
        `no database in DATA_DIR ${dataDir}: start the server first (npm start), or run the CLI with the ` +
          `server's DATA_DIR (same working directory and .env)`,
        78,
      );
    }
    try {
      const lock = acquireDataDirLock(dataDir, 'cli', (h) =>
        opts.warn(`DATA_DIR ${dataDir}: took over the lock left by pid ${h.pid}, which is gone`),
      );
      try {
        const { db } = createEmbeddedDb(pgliteDir);
        return {
          db,
          via: 'data-dir',
          close: async () => {
            try {
              await db.destroy();
            } finally {
              lock.release();
            }
          },
        };
      } catch (err) {
        lock.release();
        throw err;
      }
    } catch (err) {
      if (!(err instanceof DataDirBusyError)) throw err;
      // A server starting up (migrating, socket not yet open) or another CLI command: wait a bit.
      if (Date.now() > deadline)
        throw new CliDatabaseError(
          `${err.message}, and its database socket does not answer: try again when it has finished`,
          69,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
