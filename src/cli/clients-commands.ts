import { readFileSync } from 'node:fs';
import type { ClientStore } from '../clients/client-store.js';
import type { ClientLifetimes, ClientRecord, PublicJwks } from '../clients/client-record.js';
import type { ClientInput } from '../clients/validate-client-input.js';
import { OIDC_SCOPES } from '../clients/oidc-scopes.js';
import { GRANT_TYPES } from '../clients/client-record.js';
import {
  type CliContext,
  type CommandTable,
  type OptionSpec,
  CliNotFoundError,
  CliUsageError,
  printJson,
} from './cli-context.js';
import { clientOptions, requiredClientId } from './client-option.js';
import { presentClient } from './present-json.js';
import { secretAge } from '../clients/secret-age.js';

/** The same registry as the server (the runtime's services): API scope names from the scope catalog. */
export const clientStoreFor = (ctx: CliContext): ClientStore => ctx.services.clients;

/** Enumerated flags: an unknown value is a usage error that lists the valid ones. */
function oneOf(what: string, value: unknown, valid: readonly string[]): void {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  for (const v of values)
    if (!valid.includes(String(v))) throw new CliUsageError(`unknown ${what} "${v}" (valid: ${valid.join(', ')})`);
}

function checkEnums(ctx: CliContext, values: Record<string, unknown>): void {
  oneOf('type', values.type, ['confidential', 'public']);
  oneOf('grant type', values['grant-type'], GRANT_TYPES);
  oneOf('auth method', values['auth-method'], ['client_secret_basic', 'private_key_jwt']);
  oneOf('token format', values['token-format'], ['opaque', 'jwt']);
  if (values.scope !== undefined)
    oneOf('scope', String(values.scope).split(/\s+/).filter(Boolean), [...ctx.services.apiScopes, ...OIDC_SCOPES]);
}

const idOption: Record<string, OptionSpec> = clientOptions;
const json: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'JSON output' } };
const fields: Record<string, OptionSpec> = {
  name: { type: 'string', description: 'Display name (shown on the consent page)' },
  type: { type: 'string', description: 'confidential | public' },
  'redirect-uri': { type: 'string', multiple: true, description: 'Redirect URI, exact match' },
  'cors-origin': {
    type: 'string',
    multiple: true,
    description:
      'Browser origin allowed to call the token endpoint and the gateway (CORS), e.g. https://app.example.com',
  },
  scope: { type: 'string', description: 'Allowed scopes, space separated (API scopes, offline_access, openid)' },
  'grant-type': {
    type: 'string',
    multiple: true,
    description: 'authorization_code | refresh_token | client_credentials',
  },
  'auth-method': {
    type: 'string',
    description: 'confidential clients: client_secret_basic (default) | private_key_jwt',
  },
  jwks: { type: 'string', description: 'private_key_jwt: public JWKS as JSON, or @file.json' },
  'jwks-uri': { type: 'string', description: 'private_key_jwt: URL of the client JWKS' },
  'token-format': { type: 'string', description: 'opaque (default) | jwt (RFC 9068)' },
  contact: { type: 'string', description: 'Contact email (shown on the consent page)' },
  homepage: { type: 'string', description: 'Homepage URL (shown on the consent page)' },
  'access-token-ttl': { type: 'string', description: 'Access token lifetime override, seconds' },
  'client-credentials-ttl': { type: 'string', description: 'Client-credentials token lifetime override, seconds' },
  'refresh-token-ttl': { type: 'string', description: 'Sliding refresh token lifetime override, seconds' },
  'refresh-token-absolute-ttl': { type: 'string', description: 'Absolute refresh lifetime cap override, seconds' },
  'require-dpop': {
    type: 'boolean',
    description: 'Only DPoP-bound tokens (RFC 9449): a proof at /token, DPoP calls at the gateway',
  },
  'no-require-dpop': { type: 'boolean', description: 'Accept Bearer tokens again' },
  'require-par': { type: 'boolean', description: 'Authorization requests only through the PAR endpoint (RFC 9126)' },
  'no-require-par': { type: 'boolean', description: 'Accept plain authorization requests again' },
  'rate-limit': {
    type: 'string',
    description: "Gateway budget for this client, e.g. 600/min or 10000/hour ('default': GATEWAY_RATE_LIMIT)",
  },
  'allow-ip': {
    type: 'string',
    multiple: true,
    description:
      "Address or CIDR block (IPv4/IPv6) the client may call from, token endpoint and gateway ('any' clears)",
  },
  'allow-country': {
    type: 'string',
    multiple: true,
    description: "Only these countries (ISO codes, comma separated allowed; 'any' clears)",
  },
  'deny-country': {
    type: 'string',
    multiple: true,
    description: "Never these countries (ISO codes; 'none' clears)",
  },
  'active-hours': {
    type: 'string',
    description: 'Usual calling hours, e.g. "08:00-18:00 Europe/Berlin": calls outside raise an alert (\'any\' clears)',
  },
};

/** A repeatable list flag, comma lists allowed; `clear` (any/none) empties it. */
function listFlag(v: unknown, clear: string): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (v as string[])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  return items.length === 1 && items[0]!.toLowerCase() === clear ? [] : items;
}

/** --flag / --no-flag (parseArgs has no negation here): undefined when neither is given. */
function flag(values: Record<string, unknown>, name: string): boolean | undefined {
  const on = values[name] === true;
  const off = values[`no-${name}`] === true;
  if (on && off) throw new CliUsageError(`give --${name} or --no-${name}, not both`);
  return on ? true : off ? false : undefined;
}

function seconds(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(String(v))) throw new CliUsageError(`--${flag} must be whole seconds`);
  return Number(v);
}

function inputFrom(values: Record<string, unknown>): ClientInput {
  const input: ClientInput = {};
  if (values.name !== undefined) input.name = String(values.name);
  if (values.type !== undefined) input.type = values.type as ClientInput['type'];
  if (values['redirect-uri'] !== undefined) input.redirectUris = values['redirect-uri'] as string[];
  if (values['cors-origin'] !== undefined) input.corsOrigins = values['cors-origin'] as string[];
  if (values.scope !== undefined) input.scopes = String(values.scope).split(/\s+/).filter(Boolean);
  if (values['grant-type'] !== undefined) input.grantTypes = values['grant-type'] as string[];
  if (values['auth-method'] !== undefined) input.authMethod = values['auth-method'] as ClientInput['authMethod'];
  if (values['token-format'] !== undefined) input.tokenFormat = values['token-format'] as ClientInput['tokenFormat'];
  if (values.contact !== undefined) input.contact = String(values.contact) || null;
  if (values.homepage !== undefined) input.homepage = String(values.homepage) || null;
  if (values['jwks-uri'] !== undefined) input.jwksUri = String(values['jwks-uri']) || null;
  if (values.jwks !== undefined) {
    const raw = String(values.jwks);
    try {
      input.jwks = JSON.parse(raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw) as PublicJwks;
    } catch (err) {
      throw new CliUsageError(`--jwks: ${(err as Error).message}`);
    }
  }
  const requireDpop = flag(values, 'require-dpop');
  if (requireDpop !== undefined) input.requireDpop = requireDpop;
  const requirePar = flag(values, 'require-par');
  if (requirePar !== undefined) input.requirePar = requirePar;
  if (values['rate-limit'] !== undefined) {
    const v = String(values['rate-limit']).trim();
    input.rateLimit = v.toLowerCase() === 'default' ? null : v;
  }
  if (values['active-hours'] !== undefined) {
    const v = String(values['active-hours']).trim();
    input.activeHours = v.toLowerCase() === 'any' ? null : v;
  }
  const allowIps = listFlag(values['allow-ip'], 'any');
  if (allowIps) input.allowedIps = allowIps;
  const allowCountries = listFlag(values['allow-country'], 'any');
  if (allowCountries) input.allowedCountries = allowCountries;
  const denyCountries = listFlag(values['deny-country'], 'none');
  if (denyCountries) input.deniedCountries = denyCountries;
  const lifetimes: ClientLifetimes = {};
  const map: [keyof ClientLifetimes, string][] = [
    ['accessToken', 'access-token-ttl'],
    ['clientCredentials', 'client-credentials-ttl'],
    ['refreshToken', 'refresh-token-ttl'],
    ['refreshTokenAbsolute', 'refresh-token-absolute-ttl'],
  ];
  for (const [key, flag] of map) {
    const v = seconds(values[flag], flag);
    if (v !== undefined) lifetimes[key] = v;
  }
  if (Object.keys(lifetimes).length) input.lifetimes = lifetimes;
  return input;
}

const clientId = requiredClientId;

function describe(c: ClientRecord): string[] {
  const l =
    Object.entries(c.lifetimes)
      .map(([k, v]) => `${k}=${v}s`)
      .join(' ') || 'defaults';
  return [
    `client_id:     ${c.clientId}`,
    `name:          ${c.name}`,
    `type:          ${c.type} (${c.authMethod})`,
    `enabled:       ${c.enabled ? 'yes' : 'NO (disabled)'}`,
    `grant types:   ${c.grantTypes.join(' ')}`,
    `scopes:        ${c.scopes.join(' ')}`,
    `redirect URIs: ${c.redirectUris.join(' ') || '-'}`,
    `CORS origins:  ${c.corsOrigins.join(' ') || '-'}`,
    `token format:  ${c.tokenFormat}`,
    `lifetimes:     ${l}`,
    `require DPoP:  ${c.requireDpop ? 'yes' : 'no'}`,
    `require PAR:   ${c.requirePar ? 'yes' : 'no'}`,
    `rate limit:    ${c.rateLimit ?? 'default (GATEWAY_RATE_LIMIT)'}`,
    `allowed IPs:   ${c.allowedIps.join(' ') || 'any'}`,
    `countries:     ${countryRule(c)}`,
    `active hours:  ${c.activeHours ?? 'any time'}`,
    `contact:       ${c.contact ?? '-'}`,
    `homepage:      ${c.homepage ?? '-'}`,
    ...(c.previousSecretExpiresAt ? [`previous secret valid until ${c.previousSecretExpiresAt.toISOString()}`] : []),
  ];
}

function countryRule(c: ClientRecord): string {
  const parts = [
    ...(c.allowedCountries.length ? [`only ${c.allowedCountries.join(' ')}`] : []),
    ...(c.deniedCountries.length ? [`not ${c.deniedCountries.join(' ')}`] : []),
  ];
  return parts.join('; ') || 'any';
}

function toggle(enabled: boolean) {
  return {
    summary: enabled
      ? 'Enable a client again'
      : 'Disable a client: invalid_client everywhere, its tokens stop working (within 1 s on every instance)',
    usage: '--client <id> [--json]',
    options: { ...idOption, ...json },
    async run(ctx: CliContext, { values }: { values: Record<string, unknown> }) {
      const c = await clientStoreFor(ctx).setEnabled(clientId(values), enabled);
      if (values.json) printJson(ctx.io, presentClient(c));
      else ctx.io.out(`${enabled ? 'enabled' : 'disabled'} ${c.clientId}`);
      return 0;
    },
  };
}

export const clientsCommands: CommandTable = {
  'clients:create': {
    summary: 'Register an OAuth client; prints client_id and (confidential) client_secret once',
    usage:
      '--name <n> --type confidential|public --redirect-uri <uri>... --scope "<scopes>" --grant-type ' +
      '<type>... [--json]',
    options: { ...fields, ...json },
    async run(ctx, { values }) {
      checkEnums(ctx, values);
      const { client, clientSecret } = await clientStoreFor(ctx).create(inputFrom(values));
      if (values.json)
        printJson(ctx.io, {
          client_id: client.clientId,
          ...(clientSecret ? { client_secret: clientSecret } : {}),
          client: presentClient(client),
        });
      else {
        ctx.io.out(`client_id:     ${client.clientId}`);
        if (clientSecret)
          ctx.io.out(
            `client_secret: ${clientSecret}\n\nThe secret is shown only this once; it is stored hashed. ` +
              `Lost it? clients:rotate-secret.`,
          );
      }
      return 0;
    },
  },
  'clients:list': {
    summary: 'List registered clients',
    usage: '[--json]',
    options: json,
    async run(ctx, { values }) {
      const clients = await clientStoreFor(ctx).list();
      const maxAge = ctx.services.config.securityOps.clientSecretMaxAgeDays;
      const ageOf = (c: ClientRecord) => secretAge(c, ctx.services.clock.now(), maxAge);
      if (values.json)
        printJson(
          ctx.io,
          clients.map((c) => ({
            ...presentClient(c),
            secret_age_days: ageOf(c)?.ageDays ?? null,
            secret_rotation_due: ageOf(c)?.rotationDue ?? false,
          })),
        );
      else
        for (const c of clients) {
          const age = ageOf(c);
          ctx.io.out(
            `${c.clientId}  ${c.enabled ? 'enabled ' : 'DISABLED'}  ${c.type.padEnd(12)} ${c.name}  ` +
              `[${c.scopes.join(' ')}]` +
              (age?.rotationDue
                ? `  SECRET ${age.ageDays} DAYS OLD (over ${maxAge}): clients:rotate-secret --client ${c.clientId}`
                : ''),
          );
        }
      return 0;
    },
  },
  'clients:show': {
    summary: 'Show one client',
    usage: '--client <id> [--json]',
    options: { ...idOption, ...json },
    async run(ctx, { values }) {
      const c = await clientStoreFor(ctx).get(clientId(values));
      if (!c) throw new CliNotFoundError(`no client with id ${clientId(values)} (see clients:list)`);
      if (values.json) printJson(ctx.io, presentClient(c));
      else for (const line of describe(c)) ctx.io.out(line);
      return 0;
    },
  },
  'clients:update': {
    summary:
      'Change a client; list options (--redirect-uri, --cors-origin, --grant-type, --scope) replace the whole list',
    usage: '--client <id> [options] [--json]',
    options: { ...idOption, ...fields, ...json },
    async run(ctx, { values }) {
      const id = clientId(values);
      checkEnums(ctx, values);
      const c = await clientStoreFor(ctx).update(id, inputFrom(values));
      if (values.json) printJson(ctx.io, presentClient(c));
      else for (const line of describe(c)) ctx.io.out(line);
      return 0;
    },
  },
  'clients:disable': toggle(false),
  'clients:enable': toggle(true),
  'clients:rotate-secret': {
    summary:
      'Issue a new client secret (printed once); the previous one keeps working for CLIENT_SECRET_ROTATION_OVERLAP_S',
    usage: '--client <id> [--json]',
    options: { ...idOption, ...json },
    async run(ctx, { values }) {
      const id = clientId(values);
      const { clientSecret, previousSecretExpiresAt } = await clientStoreFor(ctx).rotateSecret(id);
      if (values.json)
        printJson(ctx.io, {
          client_id: id,
          client_secret: clientSecret,
          previous_secret_expires_at: previousSecretExpiresAt.toISOString(),
        });
      else {
        ctx.io.out(`client_id:     ${id}`);
        ctx.io.out(`client_secret: ${clientSecret}`);
        ctx.io.out(`\nThe previous secret stays valid until ${previousSecretExpiresAt.toISOString()}.`);
      }
      return 0;
    },
  },
  'clients:delete': {
    summary: 'Delete a client with its grants and tokens (needs --yes)',
    usage: '--client <id> --yes',
    options: { ...idOption, yes: { type: 'boolean', description: 'Confirm the deletion' } },
    async run(ctx, { values }) {
      const id = clientId(values);
      if (!values.yes) throw new CliUsageError('deleting a client revokes all its grants; add --yes to confirm');
      await clientStoreFor(ctx).delete(id);
      ctx.io.out(`deleted ${id}`);
      return 0;
    },
  },
};
