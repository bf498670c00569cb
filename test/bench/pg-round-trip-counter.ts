// Child process: a TCP relay between the product server and PostgreSQL that counts round trips.
// A round trip is a frontend message the client then waits on: a simple Query ('Q') or the Sync
// ('S') that ends an extended-protocol query (node-postgres sends one per parameterized query).
// pg_stat_statements is not preloaded on every server, and pg_stat_database's counters are flushed
// lazily (up to 10 s late) and count transactions, not queries: counting on the wire is exact.
// Prints {"ready":true,"port":<relay>,"statsPort":<http>}; GET /count on statsPort → {"roundTrips":n}.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

const target = new URL(process.env.PG_TARGET_URL ?? 'postgres://127.0.0.1:5432/');
let roundTrips = 0;

/** Parses the frontend side incrementally (messages may straddle chunks). */
function frontendParser() {
  let startup = true;
  let header = Buffer.alloc(0);
  let skip = 0;
  return (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const need = startup ? 8 : 5;
      const take = Math.min(need - header.length, chunk.length - i);
      header = Buffer.concat([header, chunk.subarray(i, i + take)]);
      i += take;
      if (header.length < need) return;
      if (startup) {
        const length = header.readInt32BE(0);
        const code = header.readInt32BE(4);
        // SSLRequest / GSSENCRequest come before the real startup message.
        if (code !== 80877103 && code !== 80877104) startup = false;
        skip = length - 8;
      } else {
        const type = String.fromCharCode(header[0]!);
        if (type === 'Q' || type === 'S') roundTrips++;
        skip = header.readInt32BE(1) - 4;
      }
      header = Buffer.alloc(0);
    }
  };
}

const relay = createServer((client: Socket) => {
  const upstream = connect(Number(target.port || 5432), target.hostname);
  const parse = frontendParser();
  client.on('data', (d: Buffer) => {
    parse(d);
    upstream.write(d);
  });
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
});

const stats = createHttpServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ roundTrips }));
});

relay.listen(0, '127.0.0.1', () => {
  stats.listen(0, '127.0.0.1', () => {
    const port = (relay.address() as AddressInfo).port;
    const statsPort = (stats.address() as AddressInfo).port;
    console.log(JSON.stringify({ ready: true, port, statsPort }));
  });
});
process.on('SIGTERM', () => process.exit(0));
