import type { Configuration } from 'oidc-provider';
import { OIDC_SCOPES } from '../clients/oidc-scopes.js';
import { EXTRA_CLIENT_METADATA } from './client-adapter.js';
import { DPOP_SIGNING_ALGS } from './dpop-algs.js';

// Nothing that needs a client's clear secret: secrets are only stored hashed.
export const ASYMMETRIC_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/**
 * The provider settings oidc-provider's client schema validates metadata against: shared by
 * createProvider and the registry's write-time check (client-metadata-check.ts), so a client the
 * CLI stores is one the provider accepts.
 */
export function clientMetadataRules(): Pick<
  Configuration,
  'scopes' | 'responseTypes' | 'clientAuthMethods' | 'enabledJWA' | 'extraClientMetadata'
> {
  return {
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: [...ASYMMETRIC_ALGS],
      requestObjectSigningAlgValues: [...ASYMMETRIC_ALGS],
      // The gateway checks proofs with the same list (advertised as dpop_signing_alg_values_supported).
      dPoPSigningAlgValues: [...DPOP_SIGNING_ALGS],
    },
    extraClientMetadata: { properties: [...EXTRA_CLIENT_METADATA], validator: () => undefined },
  };
}

/** Features the client schema reads (allowed grant types, encryption metadata); createProvider enables the same. */
export const CLIENT_SCHEMA_FEATURES = {
  clientCredentials: { enabled: true },
  // dpop_bound_access_tokens and require_pushed_authorization_requests are client metadata of these.
  dPoP: { enabled: true },
  pushedAuthorizationRequests: { enabled: true },
  encryption: { enabled: false },
  registration: { enabled: false },
  devInteractions: { enabled: false },
} as const;
