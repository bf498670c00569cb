import { accessPolicyProblems } from '../../../clients/client-access-policy.js';
import {
  GRANT_TYPES,
  type ClientLifetimes,
  type ClientRecord,
  type PublicJwks,
} from '../../../clients/client-record.js';
import type { ClientInput } from '../../../clients/validate-client-input.js';

/** The create/edit form as typed: what the page shows again after an error. */
export interface AppFormValues {
  name: string;
  type: string;
  authMethod: string;
  redirectUris: string;
  grantTypes: string[];
  scopes: string[];
  corsOrigins: string;
  contact: string;
  homepage: string;
  tokenFormat: string;
  jwks: string;
  jwksUri: string;
  lifetimes: Record<keyof ClientLifetimes, string>;
  requireDpop: boolean;
  requirePar: boolean;
  rateLimit: string;
  allowedIps: string;
  allowedCountries: string;
  deniedCountries: string;
  activeHours: string;
}

/** Field name → problem in words, shown next to the field; `_form` for one that names no field. */
export type FieldErrors = Record<string, string>;

/** Form field of each lifetime override (the CLI's --access-token-ttl etc.). */
export const LIFETIME_FIELDS: [keyof ClientLifetimes, string, string][] = [
  ['accessToken', 'lifetime_access_token', 'Access token'],
  ['clientCredentials', 'lifetime_client_credentials', 'Client-credentials token'],
  ['refreshToken', 'lifetime_refresh_token', 'Refresh token (sliding)'],
  ['refreshTokenAbsolute', 'lifetime_refresh_token_absolute', 'Refresh token (absolute cap)'],
];

/** Checkbox names: one per scope or grant type (the form parser keeps one value per name). */
export const scopeField = (scope: string) => `scope:${scope}`;
export const grantField = (grant: string) => `grant_${grant}`;

const lines = (text: string | undefined, separator: RegExp) =>
  (text ?? '')
    .split(separator)
    .map((x) => x.trim())
    .filter(Boolean);
const URI_SEPARATOR = /\s+/;
const LIST_SEPARATOR = /[\s,]+/;

export function emptyFormValues(): AppFormValues {
  return {
    name: '',
    type: 'confidential',
    authMethod: 'client_secret_basic',
    redirectUris: '',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: [],
    corsOrigins: '',
    contact: '',
    homepage: '',
    tokenFormat: 'opaque',
    jwks: '',
    jwksUri: '',
    lifetimes: { accessToken: '', clientCredentials: '', refreshToken: '', refreshTokenAbsolute: '' },
    requireDpop: false,
    requirePar: false,
    rateLimit: '',
    allowedIps: '',
    allowedCountries: '',
    deniedCountries: '',
    activeHours: '',
  };
}

/** A stored client as the edit form shows it. */
export function formValuesOf(c: ClientRecord): AppFormValues {
  const life = (k: keyof ClientLifetimes) => (c.lifetimes[k] === undefined ? '' : String(c.lifetimes[k]));
  return {
    name: c.name,
    type: c.type,
    authMethod: c.authMethod === 'none' ? 'client_secret_basic' : c.authMethod,
    redirectUris: c.redirectUris.join('\n'),
    grantTypes: [...c.grantTypes],
    scopes: [...c.scopes],
    corsOrigins: c.corsOrigins.join('\n'),
    contact: c.contact ?? '',
    homepage: c.homepage ?? '',
    tokenFormat: c.tokenFormat,
    jwks: c.jwks ? JSON.stringify(c.jwks, null, 2) : '',
    jwksUri: c.jwksUri ?? '',
    lifetimes: {
      accessToken: life('accessToken'),
      clientCredentials: life('clientCredentials'),
      refreshToken: life('refreshToken'),
      refreshTokenAbsolute: life('refreshTokenAbsolute'),
    },
    requireDpop: c.requireDpop,
    requirePar: c.requirePar,
    rateLimit: c.rateLimit ?? '',
    allowedIps: c.allowedIps.join('\n'),
    allowedCountries: c.allowedCountries.join(', '),
    deniedCountries: c.deniedCountries.join(', '),
    activeHours: c.activeHours ?? '',
  };
}

/**
 * The posted form → the registry's ClientInput (every field: the form is the whole client, as
 * `clients:update` with every option), the values to show again, and what the form itself can
 * tell is wrong (JSON, whole seconds, the access-policy rules, each next to its field). The
 * registry's own validation (validateClientInput) runs in the store; see fieldOfProblem.
 */
export function parseAppForm(
  form: Record<string, string>,
  knownScopes: readonly string[],
): { input: ClientInput; values: AppFormValues; errors: FieldErrors } {
  const text = (name: string) => (form[name] ?? '').trim();
  const checked = (name: string) => form[name] !== undefined;
  const errors: FieldErrors = {};
  const values: AppFormValues = {
    name: form.name ?? '',
    type: text('type'),
    authMethod: text('auth_method') || 'client_secret_basic',
    redirectUris: form.redirect_uris ?? '',
    grantTypes: GRANT_TYPES.filter((g) => checked(grantField(g))),
    scopes: knownScopes.filter((s) => checked(scopeField(s))),
    corsOrigins: form.cors_origins ?? '',
    contact: text('contact'),
    homepage: text('homepage'),
    tokenFormat: text('token_format') || 'opaque',
    jwks: form.jwks ?? '',
    jwksUri: text('jwks_uri'),
    lifetimes: Object.fromEntries(LIFETIME_FIELDS.map(([k, field]) => [k, text(field)])) as AppFormValues['lifetimes'],
    requireDpop: checked('require_dpop'),
    requirePar: checked('require_par'),
    rateLimit: text('rate_limit'),
    allowedIps: form.allowed_ips ?? '',
    allowedCountries: form.allowed_countries ?? '',
    deniedCountries: form.denied_countries ?? '',
    activeHours: text('active_hours'),
  };
  if (values.type !== 'confidential' && values.type !== 'public') errors.type = 'Choose confidential or public.';
  const input: ClientInput = {
    name: values.name,
    type: values.type as ClientInput['type'],
    redirectUris: lines(values.redirectUris, URI_SEPARATOR),
    grantTypes: values.grantTypes,
    scopes: values.scopes,
    corsOrigins: lines(values.corsOrigins, URI_SEPARATOR),
    contact: values.contact || null,
    homepage: values.homepage || null,
    tokenFormat: values.tokenFormat as ClientInput['tokenFormat'],
    jwksUri: values.jwksUri || null,
    requireDpop: values.requireDpop,
    requirePar: values.requirePar,
    rateLimit: values.rateLimit || null,
    allowedIps: lines(values.allowedIps, LIST_SEPARATOR),
    allowedCountries: lines(values.allowedCountries, LIST_SEPARATOR).map((c) => c.toUpperCase()),
    deniedCountries: lines(values.deniedCountries, LIST_SEPARATOR).map((c) => c.toUpperCase()),
    activeHours: values.activeHours || null,
  };
  if (values.type === 'confidential') input.authMethod = values.authMethod as ClientInput['authMethod'];
  input.jwks = null;
  if (values.jwks.trim()) {
    try {
      input.jwks = JSON.parse(values.jwks) as PublicJwks;
    } catch {
      errors.jwks = 'The JWKS is not valid JSON: paste the public key set, {"keys":[...]}.';
    }
  }
  // Every key given: an empty field clears its override (the server default applies).
  const lifetimes: ClientLifetimes = {};
  for (const [key, field, label] of LIFETIME_FIELDS) {
    const v = values.lifetimes[key];
    if (!v) lifetimes[key] = undefined;
    else if (/^\d+$/.test(v)) lifetimes[key] = Number(v);
    else errors[field] = `${label} lifetime must be whole seconds (or empty for the default).`;
  }
  input.lifetimes = lifetimes;
  // The access-policy rules, field by field, so that each problem stands next to its own field.
  const policyFields: [string, Parameters<typeof accessPolicyProblems>[0]][] = [
    ['rate_limit', { rateLimit: input.rateLimit }],
    ['allowed_ips', { allowedIps: input.allowedIps }],
    ['allowed_countries', { allowedCountries: input.allowedCountries }],
    ['denied_countries', { deniedCountries: input.deniedCountries }],
    ['active_hours', { activeHours: input.activeHours }],
  ];
  for (const [field, part] of policyFields) {
    const problems = accessPolicyProblems(part);
    if (problems.length) errors[field] = sentence(problems.join('; '));
  }
  return { input, values, errors };
}

// The registry's (and oidc-provider's) messages → the form field they are about; first match wins.
const FIELD_OF: [RegExp, string][] = [
  [/^name\b/i, 'name'],
  [/^type must/, 'type'],
  [/PAR/, 'require_par'],
  [/DPoP/, 'require_dpop'],
  [/^private_key_jwt needs/, 'jwks'],
  [/^confidential clients authenticate/, 'auth_method'],
  [/jwks-uri|jwks_uri/, 'jwks_uri'],
  [/JWKS|^jwks/i, 'jwks'],
  [/redirect[ -]URI/i, 'redirect_uris'],
  [/grant type|client_credentials|refresh_token needs/, 'grant_types'],
  [/CORS/, 'cors_origins'],
  [/scope/, 'scopes'],
  [/token format/, 'token_format'],
  [/^contact/, 'contact'],
  [/^homepage/, 'homepage'],
  [/rate limit/, 'rate_limit'],
  [/active hours/, 'active_hours'],
  [/IP address|CIDR|prefix length/, 'allowed_ips'],
  [/ISO 3166/, 'allowed_countries'],
];

/** Which field a registry validation message is about (`_form` when none says). */
export function fieldOfProblem(message: string): string {
  const lifetime = /^(?:unknown )?lifetime "?(\w+)/.exec(message);
  if (lifetime) return LIFETIME_FIELDS.find(([k]) => k === lifetime[1])?.[1] ?? '_form';
  return FIELD_OF.find(([pattern]) => pattern.test(message))?.[1] ?? '_form';
}

/** "name is required" → "Name is required." */
export function sentence(message: string): string {
  // "private_key_jwt needs…", "jwks_uri must…": a code name keeps its case.
  const s = /^[a-z]+\b(?![_-])/.test(message) ? message.charAt(0).toUpperCase() + message.slice(1) : message;
  return /[.!?)]$/.test(s) ? s : `${s}.`;
}
