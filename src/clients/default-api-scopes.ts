/**
 * API scope names until the scope catalog (src/scopes) is wired in: the same names, so nothing
 * changes for registered clients when it is. build-runtime passes the list to the provider and
 * the client registry.
 */
export const DEFAULT_API_SCOPES: readonly string[] = Object.freeze([
  'catalog:read',
  'catalog:write',
  'inventory:read',
  'inventory:write',
  'orders:read',
  'orders:write',
  'customers:read',
  'customers:write',
  'cms:read',
  'cms:write',
  'stores:read',
  'graphql:read',
  'graphql:write',
]);

/** Protocol scopes oidc-provider knows statically; everything else is an API (resource) scope. */
export const OIDC_SCOPES: readonly string[] = Object.freeze(['openid', 'offline_access']);
