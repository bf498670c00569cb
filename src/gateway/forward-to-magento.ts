import type { Context } from 'koa';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { signRequest } from '../oauth1/oauth1-signer.js';
import { BodyTooLargeError, limitedBody } from './body-limit.js';
import type { UpstreamCredentials } from './upstream-types.js';
import { gatewayProblem } from './gateway-responses.js';
import { copyResponseHeaders, upstreamRequestHeaders } from './upstream-headers.js';

export interface ForwardOptions {
  magentoBaseUrl: string;
  maxBodyBytes: number;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

export interface ForwardResult {
  status: number;
  bytesIn: number;
  /**
   * Resolves with the response bytes once the exchange with Magento is over (streamed to the
   * caller, or cut off because the caller left): the upstream connection is free again.
   */
  bytesOut: Promise<number>;
}

/** The caller's connection closed before its answer was sent. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/**
 * Aborts the Magento call when the caller goes away (socket closed or refused by the HTTP parser)
 * before its response finished, so it does not hold a pooled connection until the timeout; and
 * when the whole exchange (answer streamed included) takes longer than `timeoutMs`. One
 * controller and one timer per call: AbortSignal.any/timeout cost several times that.
 */
function exchangeSignal(ctx: Context, timeoutMs: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort(new ClientGoneError());
  };
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The Magento exchange timed out', 'TimeoutError'));
  }, timeoutMs);
  if (ctx.res.destroyed || ctx.req.socket?.destroyed) onClose();
  else ctx.res.once('close', onClose);
  return {
    signal: controller.signal,
    /** Aborted because the caller left (not because of the timeout). */
    callerGone: () => controller.signal.aborted && !timedOut,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      ctx.res.off('close', onClose);
    },
  };
}

export function createUpstreamAgent(opts: { connectTimeoutMs: number; maxConnections: number }): Agent {
  // Keep-alive pool to the store; one Agent for the process.
  return new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    connections: opts.maxConnections,
    keepAliveTimeout: 10_000,
  });
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
  // Origin-form path and query only (never a host or fragment from the request target); the
  // path exactly as received, so `%2F` in a SKU survives.
  const url = opts.magentoBaseUrl.replace(/\/$/, '') + ctx.path + (ctx.querystring ? `?${ctx.querystring}` : '');
  const upstreamUrl = new URL(url);
  const headers = upstreamRequestHeaders(ctx, upstreamUrl);

  const hasBody =
    !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(ctx.method) ||
    !!ctx.get('content-length') ||
    !!ctx.get('transfer-encoding');
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

  // After signing (which may throw): from here every path disposes of it.
  const gone = exchangeSignal(ctx, opts.timeoutMs);
  if (gone.signal.aborted) {
    gone.dispose();
    return null;
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await opts.dispatcher.request({
      origin: upstreamUrl.origin,
      path: url.slice(upstreamUrl.origin.length),
      method: ctx.method as Dispatcher.HttpMethod,
      headers,
      body,
      signal: gone.signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  } catch (err) {
    gone.dispose();
    const e = err as Error & { code?: string; cause?: Error };
    discardRequestBody(ctx);
    if (gone.callerGone()) {
      // Nobody to answer; the audit records the call as left by the client.
    } else if (e instanceof BodyTooLargeError || e.cause instanceof BodyTooLargeError) {
      gatewayProblem(ctx, 413, 'request_too_large', `Request body exceeds the limit of ${opts.maxBodyBytes} bytes`);
    } else if (
      gone.timedOut() ||
      e instanceof undiciErrors.HeadersTimeoutError ||
      e.name === 'TimeoutError' ||
      e.code === 'UND_ERR_CONNECT_TIMEOUT'
    ) {
      gatewayProblem(ctx, 504, 'upstream_timeout', 'The Magento store did not answer in time');
    } else {
      ctx.state.log?.warn('magento unreachable', { code: e.code, message: e.message });
      gatewayProblem(ctx, 502, 'upstream_unreachable', 'The Magento store could not be reached');
    }
    return null;
  }

  const small = smallBodyLength(ctx.method, res);
  if (small !== null) {
    // A typical API answer: read whole and sent as one buffer, which spares a stream pipeline per call.
    let whole: Buffer;
    try {
      whole = Buffer.from(await res.body.arrayBuffer());
    } catch {
      gone.dispose();
      if (gone.callerGone()) return null;
      if (gone.timedOut()) gatewayProblem(ctx, 504, 'upstream_timeout', 'The Magento store did not answer in time');
      else gatewayProblem(ctx, 502, 'upstream_unreachable', 'The Magento store broke off its answer');
      return null;
    }
    gone.dispose();
    answerFrom(ctx, res);
    ctx.body = whole;
    const bytesIn = Buffer.isBuffer(body) ? body.length : (counted?.bytes() ?? 0);
    return { status: res.statusCode, bytesIn, bytesOut: Promise.resolve(whole.length) };
  }

  answerFrom(ctx, res);
  let out = 0;
  let resolveOut!: (n: number) => void;
  const bytesOut = new Promise<number>((r) => (resolveOut = r));
  const meter = new Transform({
    transform(chunk: Buffer, _e, done) {
      out += chunk.length;
      done(null, chunk);
    },
  });
  // When Koa drops the meter (the caller left) Magento's body is destroyed too and its connection
  // freed, instead of sitting unread until the timeout. (stream.pipeline does the same at several
  // times the cost per call.)
  const source = res.body;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    gone.dispose();
    resolveOut(out);
  };
  source.once('error', (err) => {
    meter.destroy(err);
    settle();
  });
  meter.once('close', () => {
    if (!source.readableEnded) source.destroy();
    settle();
  });
  source.pipe(meter);
  ctx.body = meter;
  return { status: res.statusCode, bytesIn: Buffer.isBuffer(body) ? body.length : (counted?.bytes() ?? 0), bytesOut };
}

/** Answers above this many bytes (or of unknown length) are streamed through, never held. */
export const SMALL_BODY_BYTES = 256 * 1024;

function smallBodyLength(method: string, res: Dispatcher.ResponseData): number | null {
  if (method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) return null;
  const length = Number(res.headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 && length <= SMALL_BODY_BYTES ? length : null;
}

function answerFrom(ctx: Context, res: Dispatcher.ResponseData): void {
  ctx.status = res.statusCode;
  copyResponseHeaders(ctx, res.headers);
  // Says who produced the answer: Magento's own 401/404/400 bodies arrive unchanged.
  ctx.set('X-Bridge-Source', 'upstream');
}

/**
 * After a failed forward the request body may be half read: read the rest away (bounded by the
 * HTTP parser and the client) and close the connection after the answer, so the next request on
 * it is not parsed from the middle of a body.
 */
/** The caller's connection is gone and its answer was never completed. */
export function callerLeft(ctx: Context): boolean {
  return !ctx.res.writableFinished && (ctx.res.destroyed || ctx.req.socket?.destroyed === true);
}

function discardRequestBody(ctx: Context): void {
  if (ctx.req.readableEnded || ctx.req.destroyed) return;
  ctx.set('Connection', 'close');
  ctx.req.unpipe();
  ctx.req.resume();
}
