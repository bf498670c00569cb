// One harmless GET to the store with a link's own credentials: OAuth 1.0a-signed (by the code
// line the gateway signs for) or as a bearer token.
import { currentSigningProfile } from '../magento-link/signing-profile-selector.js';
import type { UpstreamCredentials } from '../magento-link/link-store.js';
import { signRequest } from '../oauth1/oauth1-signer.js';
import type { DoctorRun } from './doctor-run.js';
import { magentoMessage, type StoreAnswer } from './store-http.js';

export type CallVerdict =
  /** Signature/token accepted and the ACL passed (any answer of the service, even its 404). */
  | 'allowed'
  /** Credentials accepted but an ACL resource is missing (or, as bearer: bearer off). */
  | 'not_authorized'
  /** The store has no such route (a module not installed): nothing learnt. */
  | 'no_route'
  /** Signature, timestamp or token refused. */
  | 'refused';

export const NOT_AUTHORIZED = "The consumer isn't authorized to access";
const NO_ROUTE = 'Request does not match any route.';

export function verdictOf(res: StoreAnswer): { verdict: CallVerdict; message: string | null } {
  const message = magentoMessage(res.text);
  if (res.status === 401 && message?.startsWith(NOT_AUTHORIZED)) return { verdict: 'not_authorized', message };
  if (res.status === 401) return { verdict: 'refused', message };
  if (res.status === 404 && message === NO_ROUTE) return { verdict: 'no_route', message };
  return { verdict: 'allowed', message };
}

export async function signedGet(
  run: DoctorRun,
  clientId: string,
  creds: UpstreamCredentials,
  path: string,
  as: 'oauth1' | 'bearer' = 'oauth1',
): Promise<StoreAnswer> {
  const url = `${run.store!.baseUrl}${path}`;
  if (as === 'bearer')
    return run.send(url, { headers: { authorization: `Bearer ${creds.token}`, accept: 'application/json' } });
  const { db, config, clock } = run.services;
  // The line `auto` found for this link, else the configured one; rfc5849 until a probe answered.
  const profile = (await currentSigningProfile(db, config.magentoSigningProfile, clientId)) ?? 'rfc5849';
  const { authorization } = signRequest({
    method: 'GET',
    url,
    consumerKey: creds.consumerKey,
    consumerSecret: creds.consumerSecret,
    token: creds.token,
    tokenSecret: creds.tokenSecret,
    timestamp: Math.floor(clock.now() / 1000),
    profile,
  });
  return run.send(url, { headers: { authorization, accept: 'application/json' } });
}
