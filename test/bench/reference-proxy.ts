// Child process: the bare proxy, the ceiling of any Node proxy in front of the emulator. node:http
// in, undici Pool out (as many upstream connections as the product's GATEWAY_MAX_CONNECTIONS
// default), the path and query passed through byte for byte. The emulator refuses unsigned /rest
// calls, so this signs each call with the product's OAuth 1.0a signer (HMAC-SHA256, rfc5849 rules)
// and the same integration credentials: that work is in both numbers. Nothing else is done: no
// token check, no route table, no header filtering, no audit. Prints {"ready":true,"port":n}.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { signRequest } from '../../src/oauth1/oauth1-signer.js';

const upstream = new URL(process.env.UPSTREAM_URL ?? 'http://127.0.0.1:8090/');
const creds = JSON.parse(process.env.UPSTREAM_CREDENTIALS ?? '{}') as {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessTokenSecret: string;
};
const pool = new Pool(upstream.origin, { connections: 64 });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  const { authorization } = signRequest({
    method,
    url: `${upstream.origin}${path}`,
    consumerKey: creds.consumerKey,
    consumerSecret: creds.consumerSecret,
    token: creds.accessToken,
    tokenSecret: creds.accessTokenSecret,
  });
  const headers: Record<string, string> = { authorization };
  if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
  const up = await pool.request({ method: method as 'GET', path, headers, body });
  const out: Record<string, string> = {};
  const type = up.headers['content-type'];
  if (typeof type === 'string') out['content-type'] = type;
  res.writeHead(up.statusCode, out);
  for await (const chunk of up.body) res.write(chunk);
  res.end();
}

const server = createServer((req, res) => {
  forward(req, res).catch((err: Error) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(err.message);
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
