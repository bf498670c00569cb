import type { SigningProfile } from '../oauth1/oauth1-signing-profiles.js';

/** What the gateway needs to know about a caller's token (any token format). */
export interface VerifiedAccessToken {
  clientId: string;
  scopes: string[];
  grantId?: string | null;
  accountId?: string | null;
  /** DPoP key thumbprint the token is bound to (`cnf.jkt`); null or missing when unbound. */
  jkt?: string | null;
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<VerifiedAccessToken | null>;
}

/** How to authenticate to the store for one client: OAuth 1.0a signing, or a bearer token. */
export type UpstreamCredentials =
  | {
      mode: 'oauth1';
      consumerKey: string;
      consumerSecret: string;
      token: string;
      tokenSecret: string;
      profile?: SigningProfile;
    }
  | { mode: 'bearer'; token: string };

export interface UpstreamCredentialSource {
  credentialsFor(clientId: string): Promise<UpstreamCredentials | null>;
  /** The store refused a signed call (401): its signing rules may have changed. */
  refused?(clientId: string): void;
}
