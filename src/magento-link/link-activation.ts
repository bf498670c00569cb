import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { MagentoHandshakeError, performIntegrationHandshake, type HandshakeOptions } from './integration-handshake.js';
import { CONSUMER_WINDOW_MS, type ActivationRef, type ActivationRefusal, type LinkStore } from './link-store.js';

const CREDENTIAL = /^[0-9a-z]{32}$/;

export interface ActivationFields {
  oauth_consumer_key?: unknown;
  oauth_consumer_secret?: unknown;
  store_base_url?: unknown;
  oauth_verifier?: unknown;
}

export type ActivationOutcome =
  | { ok: true }
  | {
      ok: false;
      status: 400 | 403 | 404 | 409;
      error: 'invalid_request' | 'access_denied' | 'not_found' | 'activation_in_progress';
      message: string;
    };

/** What a refused POST is told (Magento ignores it; an admin reading the audit log does not). */
type Refusal = Omit<Extract<ActivationOutcome, { ok: false }>, 'ok' | 'message'>;
const REFUSALS: Record<ActivationRefusal, Refusal & { message: string }> = {
  no_link: { status: 404, error: 'not_found', message: 'Unknown endpoint URL' },
  not_armed: {
    status: 403,
    error: 'access_denied',
    message:
      'This endpoint URL is not expecting a new integration: run magento:link-urls for this app, then ' +
      'click Activate in Magento within an hour (Reauthorize works for the linked integration)',
  },
  in_progress: {
    status: 409,
    error: 'activation_in_progress',
    message: 'A token exchange for this link is already running; try again once it has finished',
  },
};

/** Compares store URLs as Magento builds them: scheme and host case-insensitive, one trailing slash. */
export function normalizeStoreUrl(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    if (u.username || u.password || u.search || u.hash) return null;
    return u.toString().replace(/\/*$/, '/');
  } catch {
    return null;
  }
}

/**
 * Magento's activation POST → the integration token exchange. The POST is answered at once
 * (Magento waits 5 s at most); the exchange runs right after, against the configured store URL
 * only — the posted `store_base_url` must equal it, so nobody can point us elsewhere (SSRF) or
 * swap in another store's integration.
 */
export function createLinkActivation(deps: {
  links: LinkStore;
  magentoBaseUrl: string | null;
  audit: AuditLog;
  logger: Logger;
  clock: Clock;
  handshake?: Omit<HandshakeOptions, 'activatedAt'>;
}) {
  const inFlight = new Set<Promise<void>>();

  async function exchange(clientId: string, storeBaseUrl: string, activation: ActivationRef): Promise<void> {
    const creds = await deps.links.consumerCredentials(clientId);
    // Superseded by a newer activation (same consumer key on re-authorization, new verifier) or an import.
    if (!creds || creds.consumerKey !== activation.consumerKey || creds.verifier !== activation.verifier) return;
    try {
      const tokens = await performIntegrationHandshake(
        {
          storeBaseUrl,
          consumerKey: creds.consumerKey,
          consumerSecret: creds.consumerSecret,
          verifier: creds.verifier,
        },
        { clock: deps.clock, ...deps.handshake, activatedAt: creds.activationReceivedAt.getTime() },
      );
      const stored = await deps.links.storeAccessToken(clientId, activation, {
        token: tokens.accessToken,
        tokenSecret: tokens.accessTokenSecret,
      });
      if (stored) {
        const link = await deps.links.get(clientId);
        await deps.audit.record({
          type: 'magento.link_active',
          outcome: 'success',
          actor: 'system',
          clientId,
          details: { status: link?.status },
        });
      }
    } catch (err) {
      const message =
        err instanceof MagentoHandshakeError
          ? `Magento refused the token exchange (${err.step} token${err.status ? `, HTTP ${err.status}` : ''}): ` +
            `${err.problem ?? err.message}`
          : `Token exchange failed: ${(err as Error).message}`;
      if (!(await deps.links.markFailed(clientId, activation, message))) return;
      await deps.audit.record({
        type: 'magento.link_failed',
        outcome: 'failure',
        actor: 'system',
        clientId,
        details: { error: message },
      });
      deps.logger.warn('magento token exchange failed', { clientId, error: message });
    }
  }

  return {
    async receive(
      clientId: string,
      f: ActivationFields,
      meta: { ip: string; requestId: string },
    ): Promise<ActivationOutcome> {
      const refuse = async (
        message: string,
        refusal: Refusal = { status: 400, error: 'invalid_request' },
        code = 'invalid_request',
      ): Promise<ActivationOutcome> => {
        await deps.audit.record({
          type: 'magento.activation_refused',
          outcome: 'denied',
          clientId,
          ip: meta.ip,
          requestId: meta.requestId,
          details: { reason: message, refusal: code },
        });
        return { ok: false, ...refusal, message };
      };
      for (const field of ['oauth_consumer_key', 'oauth_consumer_secret', 'oauth_verifier'] as const) {
        if (typeof f[field] !== 'string' || !CREDENTIAL.test(f[field] as string))
          return refuse(`${field} must be 32 characters of [0-9a-z]`);
      }
      if (!deps.magentoBaseUrl) return refuse('no Magento store is configured (MAGENTO_BASE_URL)');
      const posted = typeof f.store_base_url === 'string' ? normalizeStoreUrl(f.store_base_url) : null;
      if (!posted || posted !== normalizeStoreUrl(deps.magentoBaseUrl)) {
        return refuse(
          `store_base_url ${JSON.stringify(String(f.store_base_url ?? '')).slice(0, 200)} is not the ` +
            `configured Magento store`,
        );
      }
      const activation: ActivationRef = {
        consumerKey: f.oauth_consumer_key as string,
        verifier: f.oauth_verifier as string,
      };
      const decision = await deps.links.recordActivation(clientId, {
        ...activation,
        consumerSecret: f.oauth_consumer_secret as string,
        storeBaseUrl: deps.magentoBaseUrl,
      });
      if (!decision.accepted) {
        const { message, ...refusal } = REFUSALS[decision.reason];
        return refuse(message, refusal, decision.reason);
      }
      await deps.audit.record({
        type: 'magento.activation_received',
        outcome: 'info',
        clientId,
        ip: meta.ip,
        requestId: meta.requestId,
        details: { storeBaseUrl: deps.magentoBaseUrl, via: decision.via },
      });
      const job = exchange(clientId, deps.magentoBaseUrl, activation).finally(() => inFlight.delete(job));
      inFlight.add(job);
      return { ok: true };
    },
    /**
     * At start: exchanges a previous process accepted but never finished (it died or was
     * stopped), while Magento's 300 s consumer window is still open. If two instances both
     * resume one, the loser's failure is ignored: its activation is no longer current.
     */
    async resumeUnfinished(): Promise<number> {
      if (!deps.magentoBaseUrl) return 0;
      const since = new Date(deps.clock.now() - CONSUMER_WINDOW_MS);
      const clientIds = await deps.links.unfinishedExchanges(since);
      for (const clientId of clientIds) {
        const creds = await deps.links.consumerCredentials(clientId);
        if (!creds) continue;
        const job = exchange(clientId, deps.magentoBaseUrl, {
          consumerKey: creds.consumerKey,
          verifier: creds.verifier,
        }).finally(() => inFlight.delete(job));
        inFlight.add(job);
      }
      return clientIds.length;
    },
    /** Resolves when every running exchange has finished (tests, graceful shutdown). */
    async idle(): Promise<void> {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}

export type LinkActivation = ReturnType<typeof createLinkActivation>;
