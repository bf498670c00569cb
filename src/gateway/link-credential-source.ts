import type { Clock } from '../clock.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { createInvalidatingCache } from '../db/invalidating-cache.js';
import type { UpstreamCredentials, UpstreamCredentialSource } from './upstream-types.js';
import type { LinkStore } from '../magento-link/link-store.js';
import type { SigningProfileSelector } from '../magento-link/signing-profile-selector.js';

/** Decrypted credentials stay in memory this long while change notifications flow (a relink evicts them). */
export const LINK_CACHE_LIVE_TTL_MS = 60_000;

/**
 * The gateway's view of a client's Magento link: only active, confirmed links sign calls. The
 * answer (credentials opened, signing profile chosen) is cached per client and evicted on any
 * instance when the link or its profile changes; without notifications it lives `fallbackTtlMs`.
 */
export function linkCredentialSource(deps: {
  links: LinkStore;
  profiles?: SigningProfileSelector;
  feed: ChangeFeed;
  clock: Clock;
  fallbackTtlMs: number;
}): UpstreamCredentialSource {
  const { links, profiles } = deps;
  const cache = createInvalidatingCache<UpstreamCredentials | null>({
    name: 'magento_links',
    feed: deps.feed,
    tag: 'link',
    clock: deps.clock,
    liveTtlMs: LINK_CACHE_LIVE_TTL_MS,
    fallbackTtlMs: deps.fallbackTtlMs,
    max: 10_000,
  });
  async function load(clientId: string): Promise<UpstreamCredentials | null> {
    const c = await links.activeCredentials(clientId);
    if (!c) return null;
    if (c.mode === 'bearer') return { mode: 'bearer', token: c.token };
    const creds = {
      consumerKey: c.consumerKey,
      consumerSecret: c.consumerSecret,
      token: c.token,
      tokenSecret: c.tokenSecret,
    };
    return { mode: 'oauth1', ...creds, profile: profiles ? await profiles.profileFor(clientId, creds) : undefined };
  }
  return {
    credentialsFor: (clientId) => cache.get(clientId, () => load(clientId)),
    refused(clientId) {
      // Magento refused the signature: the profile may be re-probed, and nothing cached is trusted.
      cache.delete(clientId);
      profiles?.signatureRefused(clientId, async () => {
        const c = await links.activeCredentials(clientId);
        return c && c.mode !== 'bearer' ? c : null;
      });
    },
  };
}
