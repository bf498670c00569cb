import { AppError } from '../errors/app-error.js';
import { OIDC_SCOPES } from './oidc-scopes.js';
import { applicationTypeFor } from './redirect-uri-rules.js';
import { checkCorsOrigins } from './cors-origin-rules.js';
import { accessPolicyProblems, type ClientAccessPolicy } from './client-access-policy.js';
import {
  GRANT_TYPES,
  LIFETIME_KEYS,
  type ClientAuthMethod,
  type ClientLifetimes,
  type ClientRecord,
  type ClientType,
  type GrantType,
  type PublicJwks,
  type TokenFormat,
} from './client-record.js';

/** What create/update accept; on update, missing fields keep their current value. */
export interface ClientInput {
  name?: string;
  type?: ClientType;
  authMethod?: ClientAuthMethod;
  redirectUris?: string[];
  corsOrigins?: string[];
  scopes?: string[];
  grantTypes?: string[];
  tokenFormat?: TokenFormat;
  lifetimes?: ClientLifetimes;
  contact?: string | null;
  homepage?: string | null;
  jwks?: PublicJwks | null;
  jwksUri?: string | null;
  requireDpop?: boolean;
  requirePar?: boolean;
  rateLimit?: string | null;
  allowedIps?: string[];
  allowedCountries?: string[];
  deniedCountries?: string[];
  activeHours?: string | null;
}

export type ValidClient = Pick<
  ClientRecord,
  | 'name'
  | 'type'
  | 'authMethod'
  | 'redirectUris'
  | 'corsOrigins'
  | 'scopes'
  | 'grantTypes'
  | 'tokenFormat'
  | 'lifetimes'
  | 'contact'
  | 'homepage'
  | 'jwks'
  | 'jwksUri'
  | 'requireDpop'
  | 'requirePar'
  | keyof ClientAccessPolicy
>;

const invalid = (msg: string) => new AppError('client.invalid', msg, 400);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Merges input over the current client (if any) and enforces every registry rule. */
export function validateClientInput(
  input: ClientInput,
  current: ValidClient | null,
  opts: { apiScopes: readonly string[]; production: boolean },
): ValidClient {
  const name = (input.name ?? current?.name ?? '').trim();
  if (!name || name.length > 100) throw invalid('name is required (at most 100 characters)');
  const type = input.type ?? current?.type;
  if (type !== 'confidential' && type !== 'public') throw invalid('type must be confidential or public');

  const grantTypes = [
    ...new Set(input.grantTypes ?? current?.grantTypes ?? ['authorization_code', 'refresh_token']),
  ] as GrantType[];
  for (const g of grantTypes)
    if (!GRANT_TYPES.includes(g)) throw invalid(`unsupported grant type "${g}" (allowed: ${GRANT_TYPES.join(', ')})`);
  if (!grantTypes.length) throw invalid('at least one grant type is required');
  if (type === 'public' && grantTypes.includes('client_credentials'))
    throw invalid('public clients cannot use client_credentials');
  if (grantTypes.includes('refresh_token') && !grantTypes.includes('authorization_code'))
    throw invalid('refresh_token needs authorization_code');

  const redirectUris = [...new Set(input.redirectUris ?? current?.redirectUris ?? [])];
  if (grantTypes.includes('authorization_code')) {
    if (!redirectUris.length) throw invalid('authorization_code clients need at least one redirect URI');
    try {
      applicationTypeFor(redirectUris, { production: opts.production });
    } catch (err) {
      throw invalid((err as Error).message);
    }
  } else if (redirectUris.length) {
    throw invalid('redirect URIs are only for authorization_code clients');
  }

  const corsOrigins = [...new Set(input.corsOrigins ?? current?.corsOrigins ?? [])];
  try {
    checkCorsOrigins(corsOrigins, { production: opts.production });
  } catch (err) {
    throw invalid((err as Error).message);
  }

  const known = new Set([...opts.apiScopes, ...OIDC_SCOPES]);
  const scopes = [...new Set(input.scopes ?? current?.scopes ?? [])];
  if (!scopes.length) throw invalid('at least one scope is required');
  for (const s of scopes) if (!known.has(s)) throw invalid(`unknown scope "${s}"`);

  let authMethod: ClientAuthMethod;
  if (type === 'public') authMethod = 'none';
  else {
    authMethod =
      input.authMethod ??
      (current?.authMethod && current.authMethod !== 'none' ? current.authMethod : 'client_secret_basic');
    if (authMethod !== 'client_secret_basic' && authMethod !== 'private_key_jwt') {
      throw invalid(
        'confidential clients authenticate with client_secret_basic (also accepts client_secret_post) or ' +
          'private_key_jwt',
      );
    }
  }
  const jwks = input.jwks !== undefined ? input.jwks : (current?.jwks ?? null);
  const jwksUri = input.jwksUri !== undefined ? input.jwksUri : (current?.jwksUri ?? null);
  if (jwks) checkPublicJwks(jwks);
  if (jwksUri && !/^https:\/\//.test(jwksUri) && opts.production) throw invalid('jwks_uri must be https');
  if (jwksUri && !URL.canParse(jwksUri)) throw invalid('jwks_uri must be an absolute URL');
  if (jwks && jwksUri) throw invalid('give either a JWKS or a jwks_uri, not both');
  if (authMethod === 'private_key_jwt' && !jwks && !jwksUri)
    throw invalid('private_key_jwt needs a client JWKS or jwks_uri');

  const tokenFormat = input.tokenFormat ?? current?.tokenFormat ?? 'opaque';
  if (tokenFormat !== 'opaque' && tokenFormat !== 'jwt') throw invalid('token format must be opaque or jwt');

  const lifetimes = { ...(current?.lifetimes ?? {}), ...(input.lifetimes ?? {}) };
  for (const [k, v] of Object.entries(lifetimes)) {
    if (!LIFETIME_KEYS.includes(k as keyof ClientLifetimes))
      throw invalid(`unknown lifetime "${k}" (allowed: ${LIFETIME_KEYS.join(', ')})`);
    if (v === undefined || v === null) delete lifetimes[k as keyof ClientLifetimes];
    else if (!Number.isSafeInteger(v) || v < 60 || v > 400 * 24 * 3600)
      throw invalid(`lifetime ${k} must be whole seconds between 60 and ${400 * 24 * 3600}`);
  }

  const contact = (input.contact !== undefined ? input.contact : current?.contact) || null;
  if (contact && !EMAIL.test(contact)) throw invalid('contact must be an email address');
  const homepage = (input.homepage !== undefined ? input.homepage : current?.homepage) || null;
  if (homepage) {
    const u = URL.parse(homepage);
    if (!u || !(u.protocol === 'https:' || (!opts.production && u.protocol === 'http:')))
      throw invalid('homepage must be an https URL');
  }
  const requireDpop = input.requireDpop ?? current?.requireDpop ?? false;
  const requirePar = input.requirePar ?? current?.requirePar ?? false;
  if (typeof requireDpop !== 'boolean' || typeof requirePar !== 'boolean')
    throw invalid('require DPoP / PAR must be true or false');
  if (requirePar && !grantTypes.includes('authorization_code'))
    throw invalid('requiring PAR only applies to authorization_code clients');
  const access = accessPolicyFrom(input, current);
  return {
    ...access,
    name,
    type,
    authMethod,
    redirectUris,
    corsOrigins,
    scopes,
    grantTypes,
    tokenFormat,
    lifetimes,
    contact,
    homepage,
    jwks,
    jwksUri,
    requireDpop,
    requirePar,
  };
}

const upperCodes = (codes: string[]) => [...new Set(codes.map((c) => c.trim().toUpperCase()).filter(Boolean))];

function accessPolicyFrom(input: ClientInput, current: ValidClient | null): ClientAccessPolicy {
  const pick = <K extends keyof ClientAccessPolicy>(k: K, def: ClientAccessPolicy[K]): ClientAccessPolicy[K] =>
    (input[k] !== undefined ? input[k] : (current?.[k] ?? def)) as ClientAccessPolicy[K];
  const policy: ClientAccessPolicy = {
    rateLimit: pick('rateLimit', null)?.trim() || null,
    allowedIps: [...new Set(pick('allowedIps', []).map((c) => c.trim()))],
    allowedCountries: upperCodes(pick('allowedCountries', [])),
    deniedCountries: upperCodes(pick('deniedCountries', [])),
    activeHours: pick('activeHours', null)?.trim() || null,
  };
  const problems = accessPolicyProblems(policy);
  if (problems.length) throw invalid(problems.join('; '));
  return policy;
}

function checkPublicJwks(jwks: PublicJwks): void {
  if (!jwks || !Array.isArray(jwks.keys) || !jwks.keys.length)
    throw invalid('JWKS must be {"keys":[...]} with at least one key');
  for (const k of jwks.keys) {
    if (k.kty !== 'RSA' && k.kty !== 'EC' && k.kty !== 'OKP')
      throw invalid('JWKS keys must be RSA, EC or OKP public keys');
    if ('d' in k || 'p' in k || 'k' in k) throw invalid('JWKS must contain public keys only');
  }
}
