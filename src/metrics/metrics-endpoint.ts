import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Context, Next } from 'koa';

/** What a scrape answers: the registry's text (one process) or the cluster's (the primary). */
export interface MetricsSource {
  contentType: string;
  read(): Promise<string>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** `GET /metrics` on the main port, for `Authorization: Bearer <METRICS_TOKEN>` only. */
export function metricsEndpoint(source: MetricsSource, token: string) {
  const expected = digest(token);
  return async function metricsEndpointMiddleware(ctx: Context, next: Next) {
    if (ctx.path !== '/metrics') return next();
    const given = /^Bearer (\S+)$/i.exec(ctx.get('authorization'))?.[1];
    // Hashes first: equal lengths for the constant-time compare, whatever was sent.
    if (!given || !timingSafeEqual(digest(given), expected)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'The metrics need the bearer token (METRICS_TOKEN)' };
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = source.contentType;
    ctx.body = await source.read();
  };
}

/** METRICS_PORT: `/metrics` alone on a port of its own (keep it off the public network). */
export async function startMetricsServer(source: MetricsSource, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    source.read().then(
      (text) => res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
