/**
 * Protocol scopes oidc-provider knows statically; every other scope is an API (resource) scope
 * from the scope catalog (src/api-catalog).
 */
export const OIDC_SCOPES: readonly string[] = Object.freeze(['openid', 'offline_access']);
