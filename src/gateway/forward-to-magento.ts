import type { Context } from 'koa';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { signRequest } from '../magento/oauth1-signer.js';
import { BodyTooLargeError, limitedBody } from './body-limit.js';
import type { UpstreamCredentials } from './upstream-types.js';
import { gatewayProblem } from './gateway-responses.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) and what must never reach Magento from the app.
const DROP_REQUEST = new Set([
  'authorization', 'cookie', 'host', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate',
  'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'x-forwarded-for', 'x-forwarded-host',
  'x-forwarded-proto', 'x-real-ip', 'forwarded', 'x-request-id', 'expect', 'content-length',
]);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'set-cookie', 'content-length']);

export interface ForwardOptions {
  magentoBaseUrl: string;
  maxBodyBytes: number;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

export interface ForwardResult {
  status: number;
  bytesIn: number;
  /** Resolves with the response bytes once the body has been streamed to the caller. */
  bytesOut: Promise<number>;
}

export function createUpstreamAgent(opts: { connectTimeoutMs: number; maxConnections: number }): Agent {
  // Keep-alive pool to the store; one Agent for the process.
  return new Agent({ connect: { timeout: opts.connectTimeoutMs }, connections: opts.maxConnections, keepAliveTimeout: 10_000 });
}

/**
 * Sends the caller's request to Magento — same method, path (exactly as received, so `%2F` in a
 * SKU survives), query and body — signed for the client's integration, and streams the answer
 * back. Only form bodies are buffered (Magento signs them); everything else streams both ways.
 */
export async function forwardToMagento(
  ctx: Context,
  creds: UpstreamCredentials,
  opts: ForwardOptions,
  preparedBody?: Buffer,
): Promise<ForwardResult | null> {
  const url = opts.magentoBaseUrl.replace(/\/$/, '') + ctx.originalUrl;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (value === undefined || DROP_REQUEST.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Append the peer we saw; a caller's own X-Forwarded-For is kept only from a trusted proxy.
  headers['x-forwarded-for'] = [ctx.app.proxy ? ctx.get('x-forwarded-for') : '', ctx.req.socket.remoteAddress].filter(Boolean).join(', ');
  headers['x-request-id'] = ctx.state.requestId;

  const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(ctx.method) || !!ctx.get('content-length') || !!ctx.get('transfer-encoding');
  let body: Readable | Buffer | undefined;
  let counted: (Readable & { bytes(): number }) | undefined;
  const isForm = ctx.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
  if (preparedBody) body = preparedBody;
  else if (hasBody) body = counted = limitedBody(ctx.req, opts.maxBodyBytes);
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  else if (body && ctx.get('content-length')) headers['content-length'] = ctx.get('content-length');

  if (creds.mode === 'bearer') {
    headers.authorization = `Bearer ${creds.token}`;
  } else {
    headers.authorization = signRequest({
      method: ctx.method,
      url,
      consumerKey: creds.consumerKey,
      consumerSecret: creds.consumerSecret,
      token: creds.token,
      tokenSecret: creds.tokenSecret,
      formBody: isForm && Buffer.isBuffer(body) ? body.toString('utf8') : undefined,
      profile: creds.profile,
    }).authorization;
  }

  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Dispatcher.ResponseData;
  try {
    res = await opts.dispatcher.request({
      origin: new URL(url).origin,
      path: url.slice(new URL(url).origin.length),
      method: ctx.method as Dispatcher.HttpMethod,
      headers,
      body,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  } catch (err) {
    const e = err as Error & { code?: string; cause?: Error };
    if (e instanceof BodyTooLargeError || e.cause instanceof BodyTooLargeError) {
      gatewayProblem(ctx, 413, 'request_too_large', `Request body exceeds the limit of ${opts.maxBodyBytes} bytes`);
    } else if (signal.aborted || e instanceof undiciErrors.HeadersTimeoutError || e.name === 'TimeoutError' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
      gatewayProblem(ctx, 504, 'upstream_timeout', 'The Magento store did not answer in time');
    } else {
      ctx.state.log?.warn('magento unreachable', { code: e.code, message: e.message });
      gatewayProblem(ctx, 502, 'upstream_unreachable', 'The Magento store could not be reached');
    }
    return null;
  }

  ctx.status = res.statusCode;
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || DROP_RESPONSE.has(name)) continue;
    ctx.set(name, value as string | string[]);
  }
  // Says who produced the answer: Magento's own 401/404/400 bodies arrive unchanged.
  ctx.set('X-Bridge-Source', 'upstream');
  let out = 0;
  let resolveOut!: (n: number) => void;
  const bytesOut = new Promise<number>((r) => (resolveOut = r));
  const meter = new Transform({
    transform(chunk: Buffer, _e, done) {
      out += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      resolveOut(out);
      done();
    },
  });
  meter.on('close', () => resolveOut(out));
  res.body.on('error', (err) => meter.destroy(err));
  ctx.body = res.body.pipe(meter);
  return { status: res.statusCode, bytesIn: Buffer.isBuffer(body) ? body.length : counted?.bytes() ?? 0, bytesOut };
}
