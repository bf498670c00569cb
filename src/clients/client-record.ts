import type { ClientAccessPolicy } from './client-access-policy.js';

export type ClientType = 'confidential' | 'public';
export type TokenFormat = 'opaque' | 'jwt';
export type ClientAuthMethod = 'client_secret_basic' | 'private_key_jwt' | 'none';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

export const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];

/** Per-client lifetime overrides in seconds; missing keys use the server defaults. */
export interface ClientLifetimes {
  accessToken?: number;
  clientCredentials?: number;
  refreshToken?: number;
  refreshTokenAbsolute?: number;
}
export const LIFETIME_KEYS: readonly (keyof ClientLifetimes)[] = [
  'accessToken',
  'clientCredentials',
  'refreshToken',
  'refreshTokenAbsolute',
];

export interface PublicJwks {
  keys: Record<string, unknown>[];
}

/** A registered client as the rest of the code sees it (no secret material). */
export interface ClientRecord extends ClientAccessPolicy {
  clientId: string;
  name: string;
  type: ClientType;
  authMethod: ClientAuthMethod;
  redirectUris: string[];
  /** Exact browser origins allowed to call the token endpoint and the gateway for this client (CORS). */
  corsOrigins: string[];
  /** API scopes plus openid / offline_access the client may ask for. */
  scopes: string[];
  grantTypes: GrantType[];
  tokenFormat: TokenFormat;
  lifetimes: ClientLifetimes;
  enabled: boolean;
  contact: string | null;
  homepage: string | null;
  jwks: PublicJwks | null;
  jwksUri: string | null;
  /** Only DPoP-bound access tokens (RFC 9449): the token endpoint wants a proof, the gateway a DPoP call. */
  requireDpop: boolean;
  /** Authorization requests only through the PAR endpoint (RFC 9126). */
  requirePar: boolean;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date | null;
  /** When the previous secret stops working (after rotate-secret), if one is still valid. */
  previousSecretExpiresAt: Date | null;
}

/** Row with its secret hashes, only inside the client store. */
export interface ClientRow extends ClientRecord {
  secretHash: string | null;
  previousSecretHash: string | null;
}

const json = <T>(v: unknown, def: T): T => (v == null ? def : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const date = (v: unknown): Date | null => (v == null ? null : new Date(v as string));

export function rowToClient(r: Record<string, unknown>): ClientRow {
  return {
    clientId: r.client_id as string,
    name: r.name as string,
    type: r.type as ClientType,
    authMethod: r.auth_method as ClientAuthMethod,
    redirectUris: json(r.redirect_uris, []),
    corsOrigins: json(r.cors_origins, []),
    scopes: json(r.scopes, []),
    grantTypes: json(r.grant_types, []),
    tokenFormat: r.token_format as TokenFormat,
    lifetimes: json(r.lifetimes, {}),
    enabled: Boolean(r.enabled),
    contact: (r.contact as string | null) ?? null,
    homepage: (r.homepage as string | null) ?? null,
    jwks: json(r.jwks, null),
    jwksUri: (r.jwks_uri as string | null) ?? null,
    requireDpop: Boolean(r.require_dpop),
    requirePar: Boolean(r.require_par),
    rateLimit: (r.rate_limit as string | null) ?? null,
    allowedIps: json(r.allowed_ips, []),
    allowedCountries: json(r.allowed_countries, []),
    deniedCountries: json(r.denied_countries, []),
    activeHours: (r.active_hours as string | null) ?? null,
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
    secretRotatedAt: date(r.secret_rotated_at),
    previousSecretExpiresAt: date(r.previous_secret_expires_at),
    secretHash: (r.secret_hash as string | null) ?? null,
    previousSecretHash: (r.previous_secret_hash as string | null) ?? null,
  };
}

export function publicView(row: ClientRow): ClientRecord {
  const { secretHash: _s, previousSecretHash: _p, ...rest } = row;
  return rest;
}

/** The fields oidc-provider's client schema reads (see oidc/client-adapter.ts toMetadata). */
export type ClientMetadataInput = Pick<
  ClientRecord,
  | 'clientId'
  | 'name'
  | 'authMethod'
  | 'grantTypes'
  | 'redirectUris'
  | 'scopes'
  | 'contact'
  | 'homepage'
  | 'jwks'
  | 'jwksUri'
  | 'tokenFormat'
  | 'lifetimes'
  | 'requireDpop'
  | 'requirePar'
  | 'corsOrigins'
>;

/**
 * Refuses (AppError `client.invalid`) metadata the OAuth engine would refuse; injected, so clients/ stays engine-free.
 */
export type ClientMetadataCheck = (client: ClientMetadataInput) => Promise<void>;
