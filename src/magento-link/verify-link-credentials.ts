import { fetch as undiciFetch } from 'undici';
import type { Clock } from '../clock.js';
import { signRequest } from '../oauth1/oauth1-signer.js';
import type { LinkMode } from './link-store.js';
import { normalizeStoreUrl } from './link-activation.js';

export const VERIFY_PATH = 'rest/V1/store/storeConfigs';

export interface CredentialsToVerify {
  mode: LinkMode;
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

export type VerifyOutcome =
  { ok: true; status: number; warning: string | null } | { ok: false; status: number | null; message: string };

const NOT_AUTHORIZED = "The consumer isn't authorized to access";

/**
 * One authenticated call (`GET /rest/V1/store/storeConfigs`) proves typed-in credentials work
 * before a link uses them. With OAuth 1.0a, Magento checks the signature and token before the
 * ACL, so "isn't authorized" there means the credentials are good but the integration lacks
 * `Magento_Backend::store`: accepted with a warning. As a bearer token the same answer may also
 * mean the store does not accept integration tokens as bearer: refused.
 */
export async function verifyLinkCredentials(
  c: CredentialsToVerify,
  deps: { magentoBaseUrl: string; clock: Clock; timeoutMs?: number },
): Promise<VerifyOutcome> {
  const base = normalizeStoreUrl(deps.magentoBaseUrl);
  if (!base)
    return { ok: false, status: null, message: `MAGENTO_BASE_URL ${deps.magentoBaseUrl} is not an http(s) URL` };
  const url = `${base}${VERIFY_PATH}`;
  const authorization =
    c.mode === 'bearer'
      ? `Bearer ${c.token}`
      : signRequest({
          method: 'GET',
          url,
          consumerKey: c.consumerKey,
          consumerSecret: c.consumerSecret,
          token: c.token,
          tokenSecret: c.tokenSecret,
          timestamp: Math.floor(deps.clock.now() / 1000),
        }).authorization;
  let status: number;
  let text: string;
  try {
    const res = await undiciFetch(url, {
      headers: { authorization, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs ?? 15_000),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    return { ok: false, status: null, message: `could not reach Magento at ${url}: ${(err as Error).message}` };
  }
  if (status === 200) return { ok: true, status, warning: null };
  const message = magentoMessage(text) ?? `HTTP ${status}`;
  if (status === 401 && message.startsWith(NOT_AUTHORIZED)) {
    if (c.mode === 'oauth1') {
      return {
        ok: true,
        status,
        warning:
          'the signature was accepted, but the integration lacks Magento_Backend::store (fine if the app ' +
          'does not need store settings)',
      };
    }
    return {
      ok: false,
      status,
      message:
        `Magento refused the token as a bearer token (HTTP 401: ${message}). Either the store ` +
        `does not allow integration tokens as bearer tokens (Stores › Configuration › Services › OAuth › ` +
        `Consumer Settings) or the integration lacks Magento_Backend::store.`,
    };
  }
  return { ok: false, status, message: `Magento refused the credentials (HTTP ${status}): ${message}` };
}

/** Magento's error text: `{"message": …}` on REST, `oauth_problem=…` on OAuth endpoints. */
function magentoMessage(text: string): string | null {
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === 'string') return json.message.slice(0, 500);
  } catch {
    const problem = new URLSearchParams(text.trim()).get('oauth_problem');
    if (problem) return problem.slice(0, 500);
  }
  return null;
}
