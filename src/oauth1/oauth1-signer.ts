// OAuth 1.0a request signing for Magento 2.4 (PROTOCOL.md §3). Pure: no I/O, no clock unless
// the caller leaves nonce/timestamp to us.
import { createHmac, randomInt } from 'node:crypto';
import { percentEncode, type ParamPairs } from './oauth1-base-string.js';
import { profileBaseString, type SigningProfile } from './oauth1-signing-profiles.js';

export type SignatureMethod = 'HMAC-SHA256' | 'HMAC-SHA1';

export interface SignRequestInput {
  method: string;
  /** Absolute URL with the path exactly as it will be sent (keep `%2F` inside a SKU escaped). */
  url: string;
  consumerKey: string;
  consumerSecret: string;
  token?: string;
  tokenSecret?: string;
  verifier?: string;
  /**
   * Body of an `application/x-www-form-urlencoded` request, raw or as pairs. Leave out for JSON
   * bodies: Magento never signs those.
   */
  formBody?: string | Record<string, string> | ParamPairs;
  nonce?: string;
  /** Seconds since the epoch. */
  timestamp?: number | string;
  /** HMAC-SHA256 unless asked: Magento 2.4.4+ refuses HMAC-SHA1. */
  signatureMethod?: SignatureMethod;
  /** Whose base-string rules to sign by: the store's Magento code line (default rfc5849). */
  profile?: SigningProfile;
}

/** The store's code line cannot verify this request at all, whatever the signature. */
export class UnsignableRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsignableRequestError';
  }
}

export interface SignedRequest {
  /** Value for the Authorization header: `OAuth oauth_consumer_key="…",…`. */
  authorization: string;
  baseString: string;
  signature: string;
  /** The oauth_* parameters sent, signature included (not encoded). */
  params: Record<string, string>;
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 alphanumerics: Magento stores nonces in varchar(32). */
export function createNonce(length = 32): string {
  let nonce = '';
  for (let i = 0; i < length; i++) nonce += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return nonce;
}

function formBodyString(body: SignRequestInput['formBody']): string | undefined {
  if (body === undefined || typeof body === 'string') return body;
  return buildQuery(Array.isArray(body) ? body : Object.entries(body));
}

/** HMAC key: rawurlencode(consumer secret) & rawurlencode(token secret, empty on the first step). */
export function hmacSignature(
  base: string,
  consumerSecret: string,
  tokenSecret: string | undefined,
  signatureMethod: SignatureMethod = 'HMAC-SHA256',
): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret ?? '')}`;
  const algorithm = signatureMethod === 'HMAC-SHA1' ? 'sha1' : 'sha256';
  return createHmac(algorithm, key).update(base).digest('base64');
}

export function signRequest(input: SignRequestInput): SignedRequest {
  const signatureMethod = input.signatureMethod ?? 'HMAC-SHA256';
  const oauth: Record<string, string> = {
    oauth_consumer_key: input.consumerKey,
    oauth_nonce: input.nonce ?? createNonce(),
    oauth_signature_method: signatureMethod,
    oauth_timestamp: String(input.timestamp ?? Math.floor(Date.now() / 1000)),
  };
  if (input.token !== undefined) oauth.oauth_token = input.token;
  if (input.verifier !== undefined) oauth.oauth_verifier = input.verifier;
  oauth.oauth_version = '1.0';

  const computed = profileBaseString(input.profile ?? 'rfc5849', {
    method: input.method,
    url: input.url,
    formBody: formBodyString(input.formBody),
    oauth,
  });
  if (!computed.ok) throw new UnsignableRequestError(computed.reason);
  const base = computed.baseString;
  const signature = hmacSignature(base, input.consumerSecret, input.tokenSecret, signatureMethod);

  const params = { ...oauth, oauth_signature: signature };
  const authorization =
    'OAuth ' +
    Object.entries(params)
      .map(([k, v]) => `${k}="${percentEncode(v)}"`)
      .join(',');
  return { authorization, baseString: base, signature, params };
}

/**
 * A query string every Magento version decodes the same way: RFC 3986 encoding, so spaces
 * travel as %20 and plus signs as %2B (a raw `+` means space to newer Magento only).
 */
export function buildQuery(pairs: ParamPairs | Record<string, string | number>): string {
  const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs);
  return entries.map(([k, v]) => `${percentEncode(k)}=${percentEncode(String(v))}`).join('&');
}
