import { randomBytes } from 'node:crypto';
import type { Db } from '../db/create-db.js';
import { createOfflineFeed, type ChangeFeed } from '../db/change-feed.js';
import { createInvalidatingCache, type InvalidatingCache } from '../db/invalidating-cache.js';
import type { Clock } from '../clock.js';
import type { AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors/app-error.js';
import {
  publicView,
  rowToClient,
  type ClientMetadataCheck,
  type ClientRecord,
  type ClientRow,
} from './client-record.js';
import { createSecretHasher, generateClientSecret } from './secret-hasher.js';
import { validateClientInput, type ClientInput } from './validate-client-input.js';

const TABLE = 'oauth_clients';
/**
 * Lookups are cached per process this long while change notifications flow (a change evicts
 * them on every instance at once); without notifications only CACHE_FALLBACK_TTL_MS.
 */
export const CLIENT_CACHE_LIVE_TTL_MS = 60_000;

export interface ClientStoreDeps {
  db: Db;
  clock: Clock;
  config: { production: boolean; encryptionKeys: readonly Buffer[]; clientSecretRotationOverlapS: number };
  apiScopes: readonly string[];
  /** The OAuth engine's own client schema, run on every write: nothing is stored that the provider refuses. */
  checkMetadata: ClientMetadataCheck;
  audit?: AuditLog;
  /** Evicts cached clients when their rows change (any instance); default: none, short lifetimes. */
  feed?: ChangeFeed;
  /** Cache lifetime without live notifications (CACHE_FALLBACK_TTL_MS); default 1000. */
  fallbackTtlMs?: number;
}

export interface ClientStore {
  create(input: ClientInput, actor?: string): Promise<{ client: ClientRecord; clientSecret: string | null }>;
  list(): Promise<ClientRecord[]>;
  get(clientId: string): Promise<ClientRecord | null>;
  update(clientId: string, input: ClientInput, actor?: string): Promise<ClientRecord>;
  setEnabled(clientId: string, enabled: boolean, actor?: string): Promise<ClientRecord>;
  rotateSecret(clientId: string, actor?: string): Promise<{ clientSecret: string; previousSecretExpiresAt: Date }>;
  delete(clientId: string, actor?: string): Promise<void>;
  /** Cached lookup for the hot path; includes disabled clients. */
  findCached(clientId: string): Promise<ClientRecord | null>;
  /** Cached: the client exists and is enabled. */
  isActive(clientId: string): Promise<boolean>;
  /** Cached: some enabled client lists this CORS origin (gateway preflights carry no token). */
  corsOriginAllowed(origin: string): Promise<boolean>;
  /** Constant-time check against the current secret, or the previous one during its overlap. */
  verifySecret(clientId: string, secret: string): Promise<boolean>;
}

export function createClientStore(deps: ClientStoreDeps): ClientStore {
  const { db, clock, audit } = deps;
  const hasher = createSecretHasher(deps.config.encryptionKeys);
  const { checkMetadata } = deps;
  const opts = { apiScopes: deps.apiScopes, production: deps.config.production };
  const cacheOpts = {
    feed: deps.feed ?? createOfflineFeed(),
    tag: 'client' as const,
    clock,
    liveTtlMs: CLIENT_CACHE_LIVE_TTL_MS,
    fallbackTtlMs: deps.fallbackTtlMs ?? 1000,
  };
  const cache = createInvalidatingCache<ClientRow | null>({ ...cacheOpts, name: 'clients', max: 10_000 });
  // Every enabled client's origins in one set: any client's change can change it.
  const corsOrigins: InvalidatingCache<Set<string>> = createInvalidatingCache<Set<string>>({
    ...cacheOpts,
    name: 'cors_origins',
    max: 1,
    onChange: () => corsOrigins.clear(),
  });

  async function load(clientId: string): Promise<ClientRow | null> {
    const r = await db(TABLE).where({ client_id: clientId }).first();
    return r ? rowToClient(r) : null;
  }
  const cached = (clientId: string) => cache.get(clientId, () => load(clientId));
  async function mustLoad(clientId: string): Promise<ClientRow> {
    const row = await load(clientId);
    if (!row) throw new AppError('client.not_found', `no client with id ${clientId}`, 404);
    return row;
  }
  async function write(clientId: string, patch: Record<string, unknown>): Promise<ClientRow> {
    await db(TABLE)
      .where({ client_id: clientId })
      .update({ ...patch, updated_at: new Date(clock.now()) });
    cache.delete(clientId);
    corsOrigins.clear();
    return mustLoad(clientId);
  }
  const record = (
    type: Parameters<AuditLog['record']>[0]['type'],
    clientId: string,
    actor?: string,
    details?: Record<string, unknown>,
  ) => audit?.record({ type, outcome: 'success', actor: actor ?? 'cli', clientId, details });

  return {
    async create(input, actor) {
      const v = validateClientInput(input, null, opts);
      const clientId = `c_${randomBytes(12).toString('base64url')}`;
      await checkMetadata({ ...v, clientId });
      const clientSecret = v.authMethod === 'client_secret_basic' ? generateClientSecret() : null;
      const now = new Date(clock.now());
      await db(TABLE).insert({
        client_id: clientId,
        ...toColumns(v),
        enabled: true,
        secret_hash: clientSecret ? hasher.hash(clientSecret) : null,
        created_at: now,
        updated_at: now,
      });
      corsOrigins.clear();
      await record('client.created', clientId, actor, {
        name: v.name,
        type: v.type,
        scopes: v.scopes,
        grantTypes: v.grantTypes,
      });
      return { client: publicView(await mustLoad(clientId)), clientSecret };
    },
    async list() {
      const rows = await db(TABLE).orderBy('created_at', 'asc');
      return rows.map((r: Record<string, unknown>) => publicView(rowToClient(r)));
    },
    async get(clientId) {
      const row = await load(clientId);
      return row ? publicView(row) : null;
    },
    async update(clientId, input, actor) {
      const current = await mustLoad(clientId);
      const v = validateClientInput(input, current, opts);
      await checkMetadata({ ...v, clientId });
      const patch: Record<string, unknown> = toColumns(v);
      // Becoming confidential with a secret method needs a secret: issue one via rotate-secret.
      if (v.authMethod !== 'client_secret_basic')
        Object.assign(patch, { secret_hash: null, previous_secret_hash: null, previous_secret_expires_at: null });
      const row = await write(clientId, patch);
      await record('client.updated', clientId, actor, { fields: Object.keys(input) });
      return publicView(row);
    },
    async setEnabled(clientId, enabled, actor) {
      await mustLoad(clientId);
      const row = await write(clientId, { enabled });
      await record(enabled ? 'client.enabled' : 'client.disabled', clientId, actor);
      return publicView(row);
    },
    async rotateSecret(clientId, actor) {
      const current = await mustLoad(clientId);
      if (current.authMethod !== 'client_secret_basic') {
        throw new AppError(
          'client.no_secret',
          `client ${clientId} authenticates with ${current.authMethod}, not a secret`,
          400,
        );
      }
      const clientSecret = generateClientSecret();
      const previousSecretExpiresAt = new Date(clock.now() + deps.config.clientSecretRotationOverlapS * 1000);
      await write(clientId, {
        secret_hash: hasher.hash(clientSecret),
        previous_secret_hash: current.secretHash,
        previous_secret_expires_at: previousSecretExpiresAt,
        secret_rotated_at: new Date(clock.now()),
        secret_age_alerted_at: null, // a new secret: its own alert when it too grows old
      });
      await record('client.secret_rotated', clientId, actor, {
        previousSecretExpiresAt: previousSecretExpiresAt.toISOString(),
      });
      return { clientSecret, previousSecretExpiresAt };
    },
    async delete(clientId, actor) {
      await mustLoad(clientId);
      await db.transaction(async (trx) => {
        await trx(TABLE).where({ client_id: clientId }).delete();
        // Its grants and tokens go with it (payload.clientId is set on every grant and token).
        await trx('oidc_payloads').whereRaw(`payload->>'clientId' = ?`, [clientId]).delete();
      });
      cache.delete(clientId);
      corsOrigins.clear();
      await record('client.deleted', clientId, actor);
    },
    async findCached(clientId) {
      const row = await cached(clientId);
      return row ? publicView(row) : null;
    },
    async isActive(clientId) {
      return (await cached(clientId))?.enabled === true;
    },
    async corsOriginAllowed(origin) {
      const origins = await corsOrigins.get('all', async () => {
        const rows: { cors_origins: unknown }[] = await db(TABLE).where({ enabled: true }).select('cors_origins');
        const listed = (v: unknown): string[] =>
          typeof v === 'string' ? (JSON.parse(v) as string[]) : ((v as string[] | null) ?? []);
        return new Set(rows.flatMap((r) => listed(r.cors_origins)));
      });
      return origins.has(origin);
    },
    async verifySecret(clientId, secret) {
      const row = await cached(clientId);
      if (!row?.enabled) return false;
      // Evaluate both so the timing does not tell which one matched.
      const current = hasher.verify(secret, row.secretHash);
      const previous =
        hasher.verify(secret, row.previousSecretHash) &&
        row.previousSecretExpiresAt !== null &&
        row.previousSecretExpiresAt.getTime() > clock.now();
      return current || previous;
    },
  };
}

function toColumns(v: ReturnType<typeof validateClientInput>): Record<string, unknown> {
  return {
    name: v.name,
    type: v.type,
    auth_method: v.authMethod,
    redirect_uris: JSON.stringify(v.redirectUris),
    cors_origins: JSON.stringify(v.corsOrigins),
    scopes: JSON.stringify(v.scopes),
    grant_types: JSON.stringify(v.grantTypes),
    token_format: v.tokenFormat,
    lifetimes: JSON.stringify(v.lifetimes),
    contact: v.contact,
    homepage: v.homepage,
    jwks: v.jwks ? JSON.stringify(v.jwks) : null,
    jwks_uri: v.jwksUri,
    require_dpop: v.requireDpop,
    require_par: v.requirePar,
    rate_limit: v.rateLimit,
    allowed_ips: JSON.stringify(v.allowedIps),
    allowed_countries: JSON.stringify(v.allowedCountries),
    denied_countries: JSON.stringify(v.deniedCountries),
    active_hours: v.activeHours,
  };
}
