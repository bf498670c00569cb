import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.js';
import type { Clock } from '../clock.js';
import type { ClientLifetimes, TokenFormat } from '../clients/client-record.js';
import { OIDC_SCOPES } from '../clients/oidc-scopes.js';
import { clientExtra } from './provider-internals.js';

type ProviderClient = NonNullable<KoaContextWithOIDC['oidc']['client']>;
type PolicyConfig = Pick<
  Config,
  | 'apiAudience'
  | 'accessTokenTtlS'
  | 'clientCredentialsTtlS'
  | 'refreshTokenTtlS'
  | 'refreshTokenAbsoluteTtlS'
  | 'refreshRotationConfidential'
  | 'pkceRequiredForAll'
>;

// Extra client metadata keeps its snake_case names on oidc-provider's Client.
const lifetimesOf = (client: ProviderClient | undefined): ClientLifetimes =>
  clientExtra<ClientLifetimes>(client, 'lifetimes') ?? {};
const apiScopesOf = (client: ProviderClient): string[] => clientExtra<string[]>(client, 'api_scopes') ?? [];
const formatOf = (client: ProviderClient): TokenFormat => clientExtra<TokenFormat>(client, 'token_format') ?? 'opaque';

/**
 * Requested scopes outside the client's allow-list fail with invalid_scope. oidc-provider only
 * checks static scopes (openid, offline_access) and silently drops unknown resource scopes.
 */
function assertScopesAllowed(ctx: KoaContextWithOIDC, client: ProviderClient): void {
  const route = ctx.oidc.route;
  const isRequest =
    route === 'authorization' ||
    route === 'pushed_authorization_request' ||
    (route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials');
  const requested = String(ctx.oidc.params?.scope ?? '')
    .split(' ')
    .filter(Boolean);
  const cc = route === 'token';
  // RFC 6749 §3.3: no scope → a default or invalid_scope. No default: a job asks for what it needs.
  if (isRequest && cc && !requested.length)
    throw new errors.InvalidScope('scope must be requested (space-separated API scopes)', '');
  if (!isRequest || !requested.length) return;
  const allowed = new Set([...apiScopesOf(client), ...(client.scope ?? '').split(' ').filter(Boolean)]);
  for (const s of requested) {
    if (!allowed.has(s) || (cc && OIDC_SCOPES.includes(s))) {
      throw new errors.InvalidScope('requested scope is not allowed', s);
    }
  }
}

/** Resource indicators: one resource server, the Magento API, with per-client scopes and format. */
export function resourceIndicatorsConfig(
  config: PolicyConfig,
): NonNullable<NonNullable<Configuration['features']>['resourceIndicators']> {
  const audience = config.apiAudience;
  return {
    enabled: true,
    // No resource and only OIDC scopes (openid, maybe offline_access): the token is for userinfo
    // (/me), where an API-audience token is refused. Any API scope: the API, with an ID token.
    defaultResource: async (ctx, _client, oneOf) => {
      if (oneOf) return oneOf.includes(audience) ? audience : oneOf;
      return isUserinfoRequest(ctx) ? undefined : audience;
    },
    useGrantedResource: async () => true,
    getResourceServerInfo: async (ctx, resource, client) => {
      if (resource !== audience) throw new errors.InvalidTarget();
      assertScopesAllowed(ctx, client);
      const cc = ctx.oidc.params?.grant_type === 'client_credentials';
      const format = formatOf(client);
      return {
        scope: apiScopesOf(client).join(' '),
        audience,
        accessTokenTTL: ttlFor(config, client, cc ? 'clientCredentials' : 'accessToken'),
        accessTokenFormat: format,
        ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
      };
    },
  };
}

function isUserinfoRequest(ctx: KoaContextWithOIDC): boolean {
  if (ctx.oidc.params?.grant_type === 'client_credentials') return false;
  const scopes = String(ctx.oidc.params?.scope ?? '')
    .split(' ')
    .filter(Boolean);
  return scopes.includes('openid') && scopes.every((s) => OIDC_SCOPES.includes(s));
}

function ttlFor(
  config: PolicyConfig,
  client: ProviderClient | undefined,
  key: 'accessToken' | 'clientCredentials',
): number {
  const l = lifetimesOf(client);
  return key === 'accessToken'
    ? (l.accessToken ?? config.accessTokenTtlS)
    : (l.clientCredentials ?? config.clientCredentialsTtlS);
}

/** Lifetimes: defaults from config, overridable per client (lifetimes column). */
export function ttlConfig(config: PolicyConfig, clock: Clock): Configuration['ttl'] {
  const nowS = () => Math.floor(clock.now() / 1000);
  return {
    AccessToken: (_ctx, _token, client) => ttlFor(config, client, 'accessToken'),
    ClientCredentials: (_ctx, _token, client) => ttlFor(config, client, 'clientCredentials'),
    AuthorizationCode: 60,
    IdToken: 3600,
    Interaction: 15 * 60,
    Session: 8 * 3600,
    // A grant outlives every refresh token issued from it (the absolute cap bounds those).
    Grant: (ctx) => Math.max(config.refreshTokenAbsoluteTtlS, lifetimesOf(ctx?.oidc?.client).refreshTokenAbsolute ?? 0),
    // Sliding: each rotation restarts the lifetime, never past iiat + the absolute cap.
    RefreshToken: (_ctx, token, client) => {
      const l = lifetimesOf(client);
      const sliding = l.refreshToken ?? config.refreshTokenTtlS;
      const absolute = l.refreshTokenAbsolute ?? config.refreshTokenAbsoluteTtlS;
      // oidc-provider stamps iiat with Date.now(); the cap counts on the injected clock like every
      // expiry in the adapter (the same instant in production), so a grant's first refresh token
      // is re-stamped here, before it is saved, and rotations copy that.
      const t = token as { iiat?: number; rotations?: number };
      if (!t.rotations) t.iiat = nowS();
      return Math.max(1, Math.min(sliding, (t.iiat ?? nowS()) + absolute - nowS()));
    },
  };
}

export function grantPolicies(config: PolicyConfig): Pick<Configuration, 'rotateRefreshToken' | 'pkce'> {
  return {
    // Public clients always rotate (a stolen token is caught on reuse); confidential per config.
    rotateRefreshToken: (ctx) => ctx.oidc.client?.clientAuthMethod === 'none' || config.refreshRotationConfidential,
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || config.pkceRequiredForAll },
  };
}
