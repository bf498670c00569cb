import type { UpstreamCredentialSource } from './upstream-types.js';
import type { LinkStore } from '../magento-link/link-store.js';
import type { SigningProfileSelector } from '../magento-link/signing-profile-selector.js';

/** The gateway's view of a client's Magento link: only active, confirmed links sign calls. */
export function linkCredentialSource(links: LinkStore, profiles?: SigningProfileSelector): UpstreamCredentialSource {
  return {
    async credentialsFor(clientId) {
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
    },
    refused(clientId) {
      profiles?.signatureRefused(clientId, async () => {
        const c = await links.activeCredentials(clientId);
        return c && c.mode !== 'bearer' ? c : null;
      });
    },
  };
}
