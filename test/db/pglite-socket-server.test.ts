// The server's PGlite shared on its socket: a CLI session (node-postgres over the unix socket) and
// the server's knex take turns at the one PGlite session, whole transactions at a time.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedDb, createSocketDb, type Db, type EmbeddedDb } from '../../src/db/create-db.js';
import { SOCKET_PORT, startPgliteSocketServer, type PgliteSocketServer } from '../../src/db/pglite-socket-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PGlite shared with the CLI over the socket in DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-socket-'));
  let server: EmbeddedDb;
  let socket: PgliteSocketServer;
  let cli: Db;
  beforeAll(async () => {
    server = createEmbeddedDb(null);
    await server.db.raw('create table t (id int primary key, who text not null)');
    socket = await startPgliteSocketServer({ pglite: server.pglite, gate: server.gate, dataDir, holdLimitMs: 1500 });
    cli = createSocketDb(dataDir, SOCKET_PORT);
  });
  afterAll(async () => {
    await cli?.destroy();
    await socket?.close();
    await server?.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on a socket only its user can open', () => {
    expect(statSync(socket.path).mode & 0o777).toBe(0o600);
    expect(socket.path).toBe(join(dataDir, '.s.PGSQL.5432'));
  });

  it('a CLI statement never lands inside a server transaction, nor a server one inside a CLI transaction', async () => {
    await server.db('t').delete();
    await Promise.all([
      // The server's transaction fails and rolls back after the CLI has sent its insert.
      server.db
        .transaction(async (trx) => {
          await trx('t').insert({ id: 1, who: 'server-trx' });
          await sleep(150);
          throw new Error('roll back');
        })
        .catch(() => undefined),
      sleep(30).then(() => cli('t').insert({ id: 2, who: 'cli' })),
      // And the other way round: the server writes while a CLI transaction is open, which rolls back.
      sleep(60).then(() =>
        cli
          .transaction(async (trx) => {
            await trx('t').insert({ id: 3, who: 'cli-trx' });
            await sleep(150);
            throw new Error('roll back');
          })
          .catch(() => undefined),
      ),
      sleep(90).then(() => server.db('t').insert({ id: 4, who: 'server' })),
    ]);
    expect(await server.db('t').orderBy('id')).toEqual([
      { id: 2, who: 'cli' },
      { id: 4, who: 'server' },
    ]);
    expect(await cli('t').orderBy('id')).toEqual([
      { id: 2, who: 'cli' },
      { id: 4, who: 'server' },
    ]);
  });

  it("serves several CLI connections at once, each seeing the server's writes at once", async () => {
    const other = createSocketDb(dataDir, SOCKET_PORT);
    try {
      await server.db('t').insert({ id: 10, who: 'server' });
      const counts = await Promise.all([
        cli('t').where({ id: 10 }).count('* as n'),
        other('t').where({ id: 10 }).count('* as n'),
        server.db('t').where({ id: 10 }).count('* as n'),
      ]);
      expect(counts.map((c) => Number(c[0]!.n))).toEqual([1, 1, 1]);
    } finally {
      await other.destroy();
    }
  });

  it('cuts a CLI connection that holds the session too long, rolls it back, and the server goes on', async () => {
    const stuck = createSocketDb(dataDir, SOCKET_PORT);
    try {
      const trx = await stuck.transaction();
      await trx('t').insert({ id: 20, who: 'stuck' });
      // The CLI now sits in its transaction; the server's next statement waits, then runs.
      const t0 = Date.now();
      await server.db('t').insert({ id: 21, who: 'server' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      expect(await server.db('t').whereIn('id', [20, 21]).orderBy('id')).toEqual([{ id: 21, who: 'server' }]);
      await trx.commit().catch(() => undefined);
    } finally {
      await stuck.destroy();
    }
  });
});
