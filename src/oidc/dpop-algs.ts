/**
 * DPoP proof algorithms (RFC 9449), asymmetric only: the token endpoint accepts these (enabledJWA in
 * client-metadata-rules.ts) and the gateway checks proofs with the same list.
 */
export const DPOP_SIGNING_ALGS = ['ES256', 'EdDSA', 'Ed25519'] as const;
