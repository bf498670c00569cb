// The integration token exchange that follows Magento's activation POST (PROTOCOL.md §1–2):
// request token, then access token, both OAuth 1.0a-signed. Transient failures are retried,
// but only while Magento still accepts the consumer (300 s after activation).
import { fetch as undiciFetch } from 'undici';
import { signRequest } from '../oauth1/oauth1-signer.js';

export interface HandshakeInput {
  /** `store_base_url` from the activation POST, e.g. `https://shop.example/`. */
  storeBaseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  verifier: string;
}

export interface HandshakeOptions {
  /** Milliseconds since the epoch. */
  clock?: { now(): number };
  sleep?: (ms: number) => Promise<void>;
  fetch?: (
    url: string,
    init: { method: string; headers: Record<string, string>; signal: AbortSignal; redirect?: 'manual' },
  ) => Promise<{ status: number; text(): Promise<string> }>;
  /** When Magento posted the credentials; defaults to the start of this call. */
  activatedAt?: number;
  /** Window after activation in which attempts may start (Magento's expiration_period). */
  deadlineMs?: number;
  requestTimeoutMs?: number;
  baseDelayMs?: number;
}

export interface IntegrationTokens {
  accessToken: string;
  accessTokenSecret: string;
}

export class MagentoHandshakeError extends Error {
  constructor(
    message: string,
    /** HTTP status from Magento; undefined for transport failures. */
    readonly status: number | undefined,
    /** Magento's `oauth_problem` text, when it sent one. */
    readonly problem: string | undefined,
    readonly transient: boolean,
    readonly step: 'request' | 'access',
  ) {
    super(message);
    this.name = 'MagentoHandshakeError';
  }
}

// A token answer is ~100 bytes; anything past this is not one worth reading.
const MAX_BODY_CHARS = 64 * 1024;
const DEFAULTS = { deadlineMs: 300_000, requestTimeoutMs: 15_000, baseDelayMs: 500 };

async function tokenCall(
  step: 'request' | 'access',
  url: string,
  authorization: string,
  options: HandshakeOptions,
): Promise<{ token: string; secret: string }> {
  const doFetch = options.fetch ?? undiciFetch;
  let status: number;
  let text: string;
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { authorization, 'content-length': '0', accept: 'application/x-www-form-urlencoded, text/html' },
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs),
      // Magento answers these calls itself; a redirect would send our signed request elsewhere.
      redirect: 'manual',
    });
    status = res.status;
    text = (await res.text()).slice(0, MAX_BODY_CHARS);
  } catch (err) {
    throw new MagentoHandshakeError(
      `Magento ${step} token call failed: ${(err as Error).message}`,
      undefined,
      undefined,
      true,
      step,
    );
  }
  const body = new URLSearchParams(text.trim());
  const problem = body.get('oauth_problem') ?? undefined;
  if (status !== 200) {
    const detail = problem ?? `HTTP ${status}`;
    throw new MagentoHandshakeError(
      `Magento refused the ${step} token: ${detail}`,
      status,
      problem,
      status >= 500,
      step,
    );
  }
  const token = body.get('oauth_token');
  const secret = body.get('oauth_token_secret');
  if (!token || !secret) {
    throw new MagentoHandshakeError(
      `Magento answered the ${step} token call without a token`,
      status,
      problem,
      false,
      step,
    );
  }
  return { token, secret };
}

/** Runs one step, retrying network errors and 5xx with exponential backoff until the deadline. */
async function withRetry<T>(
  step: 'request' | 'access',
  attempt: () => Promise<T>,
  deadline: number,
  options: HandshakeOptions,
): Promise<T> {
  const clock = options.clock ?? { now: () => Date.now() };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof MagentoHandshakeError) || !err.transient) throw err;
      const delay = Math.min(base * 2 ** n, 30_000);
      if (clock.now() + delay >= deadline) {
        throw new MagentoHandshakeError(
          `${err.message} (gave up: the consumer expires 300 s after activation)`,
          err.status,
          err.problem,
          true,
          step,
        );
      }
      await sleep(delay);
    }
  }
}

export async function performIntegrationHandshake(
  input: HandshakeInput,
  options: HandshakeOptions = {},
): Promise<IntegrationTokens> {
  const clock = options.clock ?? { now: () => Date.now() };
  const deadline = (options.activatedAt ?? clock.now()) + (options.deadlineMs ?? DEFAULTS.deadlineMs);
  const store = input.storeBaseUrl.endsWith('/') ? input.storeBaseUrl : `${input.storeBaseUrl}/`;
  const credentials = { consumerKey: input.consumerKey, consumerSecret: input.consumerSecret };
  const seconds = () => Math.floor(clock.now() / 1000);

  const requestUrl = `${store}oauth/token/request`;
  // Each attempt signs afresh: Magento refuses a reused nonce.
  const request = await withRetry(
    'request',
    () => {
      const signed = signRequest({ method: 'POST', url: requestUrl, ...credentials, timestamp: seconds() });
      return tokenCall('request', requestUrl, signed.authorization, options);
    },
    deadline,
    options,
  );

  const accessUrl = `${store}oauth/token/access`;
  const access = await withRetry(
    'access',
    () => {
      const signed = signRequest({
        method: 'POST',
        url: accessUrl,
        ...credentials,
        token: request.token,
        tokenSecret: request.secret,
        verifier: input.verifier,
        timestamp: seconds(),
      });
      return tokenCall('access', accessUrl, signed.authorization, options);
    },
    deadline,
    options,
  );

  return { accessToken: access.token, accessTokenSecret: access.secret };
}
