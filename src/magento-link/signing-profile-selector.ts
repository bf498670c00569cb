// Which Magento code line a client's store runs, so the gateway signs the base string that line
// checks (SIGNING-PROFILES.md). `auto` tells the lines apart with harmless signed GETs whose base
// strings differ between them, stores the finding, and probes again when the store refuses a call.
import type { Dispatcher } from 'undici';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';
import type { Logger } from '../logging/logger.js';
import { signRequest } from '../oauth1/oauth1-signer.js';
import type { SigningProfile } from '../oauth1/oauth1-signing-profiles.js';

export type SigningProfileSetting = 'auto' | SigningProfile;

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

export interface SigningProfileSelector {
  /** The profile to sign with now: configured, found, or rfc5849 until a probe has answered. */
  profileFor(clientId: string, creds: OAuth1Credentials): Promise<SigningProfile>;
  /** Tells the lines apart against the store and stores the finding (null: no probe answered). */
  probe(clientId: string, creds: OAuth1Credentials): Promise<SigningProfile | null>;
  /**
   * Magento refused a signed call with 401: probe again in the background (once a minute at most),
   * with the link's credentials as `loadCreds` finds them (null: no longer an OAuth 1.0a link).
   */
  signatureRefused(clientId: string, loadCreds: () => Promise<OAuth1Credentials | null>): void;
  /** Resolves once background probes have finished (tests, shutdown). */
  idle(): Promise<void>;
}

const TABLE = 'magento_signing_profiles';
const CACHE_MS = 30_000;
const REPROBE_EVERY_MS = 60_000;
const FALLBACK: SigningProfile = 'rfc5849';

/**
 * Probes, in order: `%7E` in a path is kept by 2.4-develop only (U1 and L1 decode it); `%40` is kept
 * by 2.4-urifix and decoded by 2.4-laminas (L1). A product lookup is read-only, and its answer
 * (product, 404, or an ACL refusal) proves the signature passed; only "The signature is invalid"
 * (or any other 401 oauth problem) says it did not.
 */
const PROBES: Array<{ profile: SigningProfile; path: string }> = [
  { profile: '2.4-develop', path: 'rest/V1/products/bridge-probe%7Eline' },
  { profile: '2.4-urifix', path: 'rest/V1/products/bridge-probe%40line' },
  { profile: '2.4-laminas', path: 'rest/V1/products/bridge-probe%40line' },
];

/** What magento:status shows: the configured profile, or what `auto` found (null: not probed yet). */
export async function currentSigningProfile(
  db: Db,
  setting: SigningProfileSetting,
  clientId: string,
): Promise<SigningProfile | null> {
  if (setting !== 'auto') return setting;
  const row = await db(TABLE).where({ client_id: clientId }).first('profile');
  return (row?.profile as SigningProfile | undefined) ?? null;
}

export function createSigningProfileSelector(deps: {
  db: Db;
  setting: SigningProfileSetting;
  magentoBaseUrl: string | null;
  dispatcher: Dispatcher;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  timeoutMs?: number;
}): SigningProfileSelector {
  const cache = new Map<string, { profile: SigningProfile | null; at: number }>();
  const lastProbe = new Map<string, number>();
  const running = new Set<Promise<unknown>>();

  async function stored(clientId: string): Promise<SigningProfile | null> {
    const hit = cache.get(clientId);
    if (hit && deps.clock.now() - hit.at < CACHE_MS) return hit.profile;
    const row = await deps.db(TABLE).where({ client_id: clientId }).first('profile');
    const profile = (row?.profile as SigningProfile | undefined) ?? null;
    cache.set(clientId, { profile, at: deps.clock.now() });
    return profile;
  }

  async function passes(profile: SigningProfile, path: string, creds: OAuth1Credentials): Promise<boolean> {
    const url = `${deps.magentoBaseUrl}${path}`;
    const { authorization } = signRequest({
      method: 'GET',
      url,
      ...creds,
      timestamp: Math.floor(deps.clock.now() / 1000),
      profile,
    });
    const u = new URL(url);
    const res = await deps.dispatcher.request({
      origin: u.origin,
      path: url.slice(u.origin.length),
      method: 'GET',
      headers: { authorization, accept: 'application/json' },
      headersTimeout: deps.timeoutMs ?? 10_000,
      bodyTimeout: deps.timeoutMs ?? 10_000,
    });
    const body = await res.body.text();
    if (res.statusCode >= 500) throw new Error(`probe answered ${res.statusCode}`);
    // An ACL refusal is a 401 too, but it comes after the signature passed.
    return res.statusCode !== 401 || /isn't authorized to access/.test(body);
  }

  function background(clientId: string, loadCreds: () => Promise<OAuth1Credentials | null>): void {
    const now = deps.clock.now();
    if (now - (lastProbe.get(clientId) ?? -Infinity) < REPROBE_EVERY_MS) return;
    lastProbe.set(clientId, now);
    // Registered at once, so idle() waits for it even while the credentials are still loading.
    const p = loadCreds()
      .then((creds) => creds && selector.probe(clientId, creds))
      .catch((err) => deps.logger.warn('signing profile probe failed', { clientId, message: (err as Error).message }));
    running.add(p);
    void p.finally(() => running.delete(p));
  }

  const selector: SigningProfileSelector = {
    async profileFor(clientId, creds) {
      if (deps.setting !== 'auto') return deps.setting;
      const profile = await stored(clientId);
      if (profile) return profile;
      background(clientId, async () => creds);
      return FALLBACK;
    },
    async probe(clientId, creds) {
      if (deps.setting !== 'auto' || !deps.magentoBaseUrl) return null;
      lastProbe.set(clientId, deps.clock.now());
      let found: SigningProfile | null = null;
      for (const p of PROBES) {
        if (await passes(p.profile, p.path, creds)) {
          found = p.profile;
          break;
        }
      }
      const previous = await stored(clientId);
      if (found) {
        await deps
          .db(TABLE)
          .insert({ client_id: clientId, profile: found, probed_at: new Date(deps.clock.now()) })
          .onConflict('client_id')
          .merge();
        cache.set(clientId, { profile: found, at: deps.clock.now() });
      }
      await deps.audit.record({
        type: 'magento.signing_profile_detected',
        outcome: found ? 'success' : 'failure',
        actor: 'system',
        clientId,
        details: { profile: found, previous, probes: PROBES.length },
      });
      return found;
    },
    signatureRefused(clientId, loadCreds) {
      if (deps.setting === 'auto') background(clientId, loadCreds);
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
  return selector;
}
