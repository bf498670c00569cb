// POST /oauth/token/request and /oauth/token/access with the checks of PROTOCOL.md §2, in
// Magento's order: protocol params → consumer → timestamp/nonce → expiry or token → signature.
import type { RawRequest } from './emulator-request.js';
import type { EmulatedIntegration, EmulatorStore } from './emulator-store.js';
import { randomToken } from './emulator-store.js';
import { isSignatureValid, parseAuthorizationHeader, parsePairs, signatureBaseString } from './oauth-params.js';
import { lineBaseString, lineProtocolParams, SignatureLineFailure, type SignatureLine } from './signature-lines.js';

export interface EmulatorRequest extends RawRequest {
  /** The Magento code line whose signature rules apply (default rfc5849). */
  line?: SignatureLine;
}

export interface TokenResult {
  status: number;
  body: string;
  problem?: string;
  integrationId?: number;
}

class OauthProblem extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401,
  ) {
    super(message);
  }
}

const EXPIRATION_MS = 300_000;
const TIME_DEVIATION_S = 600;

function requireParams(params: Record<string, string>, names: string[]): void {
  const missing = names.filter((n) => !params[n]);
  if (missing.length) {
    throw new OauthProblem(missing.map((n) => `"${n}" is required. Enter and try again.`).join(', '), 400);
  }
}

/** Version, method, consumer, timestamp and nonce: shared by both endpoints and REST calls. */
export function validateProtocol(
  params: Record<string, string>,
  store: EmulatorStore,
  nowMs: number,
  extra: string[],
): EmulatedIntegration {
  requireParams(params, [
    'oauth_consumer_key',
    'oauth_signature',
    'oauth_signature_method',
    'oauth_nonce',
    'oauth_timestamp',
    ...extra,
  ]);
  if (params.oauth_version !== undefined && params.oauth_version !== '1.0') {
    throw new OauthProblem(`OAuth version ${params.oauth_version} is not supported`, 400);
  }
  if (params.oauth_signature_method !== 'HMAC-SHA256') {
    throw new OauthProblem(`Signature method ${params.oauth_signature_method} is not supported`, 400);
  }
  if (params.oauth_consumer_key!.length !== 32) throw new OauthProblem('Consumer key is not the correct length', 401);
  const integration = store.byConsumerKey(params.oauth_consumer_key!);
  if (!integration) throw new OauthProblem('A consumer having the specified key does not exist', 401);
  const ts = Number(params.oauth_timestamp);
  if (!/^\d+$/.test(params.oauth_timestamp!) || ts <= 0 || ts > Math.floor(nowMs / 1000) + TIME_DEVIATION_S) {
    throw new OauthProblem('Incorrect timestamp value in the oauth_timestamp parameter', 401);
  }
  if (params.oauth_nonce!.length > 32) throw new OauthProblem('The nonce is too long', 401);
  if (!store.useNonce(integration.id, params.oauth_nonce!)) {
    throw new OauthProblem(`The nonce is already being used by the consumer with ID ${integration.id}`, 401);
  }
  return integration;
}

function collect(req: EmulatorRequest): Record<string, string> {
  if (req.line && req.line !== 'rfc5849') return lineProtocolParams(req);
  const header = req.headers.authorization;
  const oauth = parseAuthorizationHeader(Array.isArray(header) ? header[0] : header);
  const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return { ...parsePairs(req.query, true), ...(isForm ? parsePairs(req.body, false) : {}), ...oauth };
}

/** The base string the store computes: its code line's, or RFC 5849 with Magento's pair rules. */
export function requestBaseString(req: EmulatorRequest, params: Record<string, string>): string {
  if (!req.line || req.line === 'rfc5849') return signatureBaseString(req.method, req.url, params);
  return lineBaseString(req.line, req);
}

function checkSignature(
  req: EmulatorRequest,
  params: Record<string, string>,
  secret: string,
  tokenSecret: string,
): void {
  const base = requestBaseString(req, params);
  if (!isSignatureValid(base, params.oauth_signature!, secret, tokenSecret)) {
    throw new OauthProblem('The signature is invalid. Verify and try again.', 401);
  }
}

function run(fn: () => { body: string; integrationId: number }): TokenResult {
  try {
    const { body, integrationId } = fn();
    return { status: 200, body, integrationId };
  } catch (err) {
    if (err instanceof OauthProblem) {
      return { status: err.status, body: `oauth_problem=${encodeURIComponent(err.message)}`, problem: err.message };
    }
    const message = (err as Error).message;
    return {
      status: 500,
      body: `oauth_problem=internal_error&message=${encodeURIComponent(message)}`,
      problem: message,
    };
  }
}

export function handleTokenRequest(req: EmulatorRequest, store: EmulatorStore, nowMs: number): TokenResult {
  return run(() => {
    const params = collect(req);
    const integration = validateProtocol(params, store, nowMs, []);
    if (integration.activatedAt === null || nowMs - integration.activatedAt > EXPIRATION_MS) {
      throw new OauthProblem('Consumer key has expired', 401);
    }
    checkSignature(req, params, integration.consumerSecret, '');
    if (integration.token?.type !== 'verifier') {
      throw new OauthProblem('Cannot create request token because consumer token is not a verifier token', 401);
    }
    integration.token = { ...integration.token, type: 'request', token: randomToken(), secret: randomToken() };
    return {
      body: `oauth_token=${integration.token.token}&oauth_token_secret=${integration.token.secret}`,
      integrationId: integration.id,
    };
  });
}

export function handleTokenAccess(req: EmulatorRequest, store: EmulatorStore, nowMs: number): TokenResult {
  return run(() => {
    const params = collect(req);
    const integration = validateProtocol(params, store, nowMs, ['oauth_token', 'oauth_verifier']);
    if (params.oauth_token!.length !== 32) {
      throw new OauthProblem('The token length is invalid. Check the length and try again.', 400);
    }
    if (params.oauth_verifier!.length !== 32) throw new OauthProblem('Verifier is not the correct length', 400);
    const owner = store.byToken(params.oauth_token!);
    if (!owner) throw new OauthProblem('Specified token does not exist', 401);
    if (owner.id !== integration.id) {
      throw new OauthProblem('Request token is not associated with the specified consumer', 401);
    }
    const token = integration.token!;
    if (token.type !== 'request') throw new OauthProblem('Token is already being used', 401);
    if (token.verifier !== params.oauth_verifier) {
      throw new OauthProblem('Token verifier and verifier token do not match', 401);
    }
    checkSignature(req, params, integration.consumerSecret, token.secret);
    integration.token = { ...token, type: 'access', token: randomToken(), secret: randomToken() };
    integration.status = 'active';
    return {
      body: `oauth_token=${integration.token.token}&oauth_token_secret=${integration.token.secret}`,
      integrationId: integration.id,
    };
  });
}

export { OauthProblem, SignatureLineFailure, collect as collectOauthParams };
