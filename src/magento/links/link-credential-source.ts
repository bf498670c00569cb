import type { UpstreamCredentialSource } from '../../gateway/upstream-types.js';
import type { LinkStore } from './link-store.js';

/** The gateway's view of a client's Magento link: only active, confirmed links sign calls. */
export function linkCredentialSource(links: LinkStore): UpstreamCredentialSource {
  return {
    async credentialsFor(clientId) {
      const c = await links.activeCredentials(clientId);
      if (!c) return null;
      return c.mode === 'bearer'
        ? { mode: 'bearer', token: c.token }
        : { mode: 'oauth1', consumerKey: c.consumerKey, consumerSecret: c.consumerSecret, token: c.token, tokenSecret: c.tokenSecret };
    },
  };
}
