import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';
import type { SessionGate } from './pglite-session-gate.js';

/** The socket is `<DATA_DIR>/.s.PGSQL.5432`, PostgreSQL's own naming, so `pg` finds it from host + port. */
export const SOCKET_PORT = 5432;
export const socketPathFor = (dataDir: string) => join(dataDir, `.s.PGSQL.${SOCKET_PORT}`);

const SYNC = 0x53; // 'S': end of an extended-protocol batch
const QUERY = 0x51; // 'Q': a whole simple query
const TERMINATE = 0x58; // 'X'

type Queue = PGLiteSocketHandlerOptions['queryQueue'];

export interface SocketServerOptions {
  pglite: PGlite;
  gate: SessionGate;
  dataDir: string;
  /** A connection holding the session longer than this (a stuck CLI) is cut and rolled back. */
  holdLimitMs?: number;
  maxConnections?: number;
}

export interface PgliteSocketServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Serves the server's own PGlite to the CLI on a unix socket (mode 0600) in DATA_DIR.
 * pglite-socket's handler does the wire framing; its own queue interleaves messages of different
 * connections between transactions (Parse of one, Bind of another), so this queue gives each
 * connection the session gate from its first message to a Sync/Query outside a transaction.
 */
export async function startPgliteSocketServer(opts: SocketServerOptions): Promise<PgliteSocketServer> {
  const { pglite, gate } = opts;
  const holdLimitMs = opts.holdLimitMs ?? 10_000;
  const path = socketPathFor(opts.dataDir);
  const turns = new Map<number, symbol>();
  const sockets = new Map<number, Socket>();
  const overstay = new Map<number, NodeJS.Timeout>();
  const turnOf = (id: number) => {
    let t = turns.get(id);
    if (!t) turns.set(id, (t = Symbol(`cli#${id}`)));
    return t;
  };
  const releaseTurn = (id: number) => {
    clearTimeout(overstay.get(id));
    overstay.delete(id);
    gate.release(turnOf(id));
  };

  // pglite-socket handles each data event on its own, so one connection's messages can arrive here
  // before its previous one finished: chain them, in order, per connection.
  const chains = new Map<number, Promise<unknown>>();
  const closed = new Set<number>();
  async function run(id: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (closed.has(id)) throw new Error('connection closed');
    const turn = turnOf(id);
    if (!gate.holds(turn)) {
      await gate.acquire(turn);
      if (closed.has(id)) {
        gate.release(turn);
        throw new Error('connection closed');
      }
      overstay.set(
        id,
        setTimeout(() => sockets.get(id)?.destroy(), holdLimitMs),
      );
    }
    let bytes = 0;
    await pglite.runExclusive(() =>
      pglite.execProtocolRawStream(message, {
        onRawData: (data) => {
          bytes += data.length;
          onData(data);
        },
      }),
    );
    // A startup packet begins with its length (first byte 0); those and these end a turn.
    const type = message[0];
    if ((type === SYNC || type === QUERY || type === TERMINATE || type === 0) && !pglite.isInTransaction())
      releaseTurn(id);
    return bytes;
  }

  const queue = {
    enqueue(id: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
      const next = (chains.get(id) ?? Promise.resolve()).then(() => run(id, message, onData));
      chains.set(
        id,
        next.catch(() => undefined),
      );
      return next;
    },
    getQueueLength: () => gate.queued,
    clearQueueForHandler(id: number) {
      closed.add(id);
      // Only waiters go here; a held turn is rolled back first (clearTransactionIfNeeded).
      if (!gate.holds(turnOf(id))) gate.cancel(turnOf(id), new Error('connection closed'));
    },
    async clearTransactionIfNeeded(id: number) {
      if (gate.holds(turnOf(id))) {
        if (pglite.isInTransaction()) await pglite.exec('ROLLBACK');
        releaseTurn(id);
      }
      turns.delete(id);
      sockets.delete(id);
      chains.delete(id);
      // Late messages of this connection still find it closed; forget it after they drained.
      setTimeout(() => closed.delete(id), 60_000).unref();
    },
  } as unknown as Queue;

  // The previous holder of DATA_DIR's lock is gone (we hold it now): its socket file is stale.
  rmSync(path, { force: true });
  const server: Server = createServer((socket) => {
    const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
    sockets.set(handler.handlerId, socket);
    void handler.attach(socket).catch(() => socket.destroy());
  });
  server.maxConnections = opts.maxConnections ?? 16;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);

  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets.values()) s.destroy();
      await closed;
      // Wait for the session to be free (a cut connection's rollback) before the database closes.
      const mine = Symbol('closing');
      await gate.acquire(mine);
      gate.release(mine);
      rmSync(path, { force: true });
    },
  };
}
