import { createHash } from 'node:crypto';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { createInvalidatingCache, type InvalidatingCache } from '../db/invalidating-cache.js';

const TABLE = 'oidc_payloads';

/** Row key: a SHA-256 of the provider's id, so a leaked table holds no usable token or cookie. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

type AdapterFactory = (name: string) => Adapter;

/** The table's own adapter: can link a rotated refresh token to its parent in the insert itself. */
export interface RotatingAdapter extends Adapter {
  upsertRotated(
    id: string,
    payload: AdapterPayload,
    expiresIn: number | undefined,
    rotatedFrom: string | null,
  ): Promise<void>;
}

/** A stored payload as the provider wrote it, unsealed when sealed (admin tooling reads Sessions too). */
export function openStoredPayload(
  box: SecretBox | undefined,
  model: string,
  rowId: string,
  raw: unknown,
): AdapterPayload {
  const value = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (value && typeof value.sealed === 'string' && box)
    return JSON.parse(box.open(value.sealed, `oidc_payloads:${model}:${rowId}`));
  return value;
}

export interface AdapterOptions {
  db: Db;
  clock: Clock;
  /**
   * Seals the payloads of SEALED_MODELS: an Interaction carries its session's cookie value and a
   * Session its account and grants. Without a box payloads are stored as they are (adapter tests).
   */
  box?: SecretBox;
  /** Models served by other stores (e.g. Client from the client registry). */
  overrides?: Partial<Record<string, AdapterFactory>>;
  /**
   * Keeps looked-up access tokens in memory (introspection and the gateway read them on every
   * call), evicted by the database's change notifications; without it every find reads the table.
   */
  cache?: { feed: ChangeFeed; fallbackTtlMs: number };
}

/** Read on every API call or refresh; their changes (and deletions) evict them on every instance. */
const CACHED_MODELS = new Set(['AccessToken', 'ClientCredentials', 'Grant']);
const CACHE_LIVE_TTL_MS = 60_000;

/** A row as find() needs it; null when there is none (a token of the other model, a revoked one). */
type FoundRow = { payload: AdapterPayload; expiresAt: number | null; consumedAt: number | null } | null;

interface Row {
  payload: AdapterPayload;
  expires_at: Date | null;
  consumed_at: Date | null;
}

const SEALED_MODELS = new Set(['Session', 'Interaction']);

class PostgresAdapter implements RotatingAdapter {
  private readonly box: SecretBox | undefined;
  private readonly cache: InvalidatingCache<FoundRow> | null;

  constructor(
    private readonly model: string,
    private readonly db: Db,
    private readonly clock: Clock,
    box?: SecretBox,
    cache?: AdapterOptions['cache'],
  ) {
    this.box = SEALED_MODELS.has(model) ? box : undefined;
    this.cache =
      cache && CACHED_MODELS.has(model)
        ? createInvalidatingCache<FoundRow>({
            name: `oidc_${model}`,
            feed: cache.feed,
            tag: 'payload',
            clock,
            liveTtlMs: CACHE_LIVE_TTL_MS,
            fallbackTtlMs: cache.fallbackTtlMs,
            max: 50_000,
          })
        : null;
  }

  /** The row id is in the AAD, so a sealed payload copied onto another row does not open. */
  private encode(rowId: string, stored: object): string {
    const json = JSON.stringify(stored);
    return this.box ? JSON.stringify({ sealed: this.box.seal(json, `oidc_payloads:${this.model}:${rowId}`) }) : json;
  }

  private decode(rowId: string, raw: unknown): AdapterPayload {
    return openStoredPayload(this.box, this.model, rowId, raw);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    return this.upsertRotated(id, payload, expiresIn, null);
  }

  /** upsert, recording in the same statement the refresh token row this one replaced (refresh-chain.ts). */
  async upsertRotated(id: string, payload: AdapterPayload, expiresIn: number | undefined, rotatedFrom: string | null) {
    const { jti: _jti, consumed: _consumed, ...stored } = payload;
    const rowId = hashId(id);
    const row = {
      model: this.model,
      id: rowId,
      payload: this.encode(rowId, stored),
      // Grants are listed by admin tooling by their (non-secret) id.
      grant_id: this.model === 'Grant' ? id : (payload.grantId ?? null),
      uid: payload.uid ?? null,
      user_code: payload.userCode ? hashId(payload.userCode) : null,
      expires_at: expiresIn ? new Date(this.clock.now() + expiresIn * 1000) : null,
      ...(rotatedFrom ? { rotated_from: rotatedFrom } : {}),
    };
    const merged = ['payload', 'grant_id', 'uid', 'user_code', 'expires_at', ...(rotatedFrom ? ['rotated_from'] : [])];
    await this.db(TABLE).insert(row).onConflict(['model', 'id']).merge(merged);
    this.cache?.delete(rowId);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!this.cache) return this.findBy({ id: hashId(id) }, id);
    const rowId = hashId(id);
    const found = await this.cache.get(rowId, () => this.readRow({ id: rowId }), {
      expiresAt: (r) => r?.expiresAt ?? Infinity,
    });
    const now = this.clock.now();
    if (!found || (found.expiresAt !== null && found.expiresAt <= now)) return undefined;
    return this.toPayload(found, id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy({ uid });
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy({ user_code: hashId(userCode) });
  }

  private async findBy(where: Record<string, string>, id?: string): Promise<AdapterPayload | undefined> {
    const found = await this.readRow(where);
    return found ? this.toPayload(found, id) : undefined;
  }

  private async readRow(where: Record<string, string>): Promise<FoundRow> {
    const now = new Date(this.clock.now());
    const row: (Row & { id: string }) | undefined = await this.db(TABLE)
      .select('id', 'payload', 'expires_at', 'consumed_at')
      .where({ model: this.model, ...where })
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
      .first();
    if (!row) return null;
    return {
      payload: this.decode(row.id, row.payload),
      expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
      consumedAt: row.consumed_at ? new Date(row.consumed_at).getTime() : null,
    };
  }

  /** A fresh object per call: the provider may change what it is given, the cache keeps its own. */
  private toPayload(found: NonNullable<FoundRow>, id?: string): AdapterPayload {
    const payload = { ...found.payload };
    if (id) payload.jti = id;
    // Epoch seconds with milliseconds kept: the refresh reuse grace window needs the precision.
    if (found.consumedAt !== null) payload.consumed = found.consumedAt / 1000;
    return payload;
  }

  /**
   * Atomic: oidc-provider checks `consumed` and then calls consume() without looking at the
   * result, so two parallel refreshes could both pass the check. Only the request whose UPDATE
   * flips consumed_at wins; the other fails with invalid_grant.
   */
  async consume(id: string): Promise<void> {
    const updated = await this.db(TABLE)
      .update({ consumed_at: new Date(this.clock.now()) })
      .where({ model: this.model, id: hashId(id) })
      .whereNull('consumed_at')
      .returning('id');
    if (updated.length === 0) {
      throw new errors.InvalidGrant(`${this.model} already consumed`);
    }
  }

  async destroy(id: string): Promise<void> {
    await this.db(TABLE)
      .where({ model: this.model, id: hashId(id) })
      .delete();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db(TABLE).where({ model: this.model, grant_id: grantId }).delete();
  }
}

export function createAdapterFactory(opts: AdapterOptions): AdapterFactory {
  return (name: string) =>
    opts.overrides?.[name]?.(name) ?? new PostgresAdapter(name, opts.db, opts.clock, opts.box, opts.cache);
}

/** Deletes rows past their expiry; run periodically by every instance (idempotent). */
export async function deleteExpiredPayloads(db: Db, clock: Clock): Promise<number> {
  // `returning` because knex-pglite does not report affected-row counts the way pg does.
  const rows = await db(TABLE).where('expires_at', '<', new Date(clock.now())).delete().returning('id');
  return rows.length;
}

/** A live oidc-provider Session row, unsealed (admin tooling: who is signed in). */
export interface StoredSession {
  rowId: string;
  uid: string | null;
  payload: { uid?: string; accountId?: string; loginTs?: number; exp?: number };
  expiresAt: Date | null;
}

/** Session rows that have not expired; this module owns `oidc_payloads`, the admin tooling reads through it. */
export async function liveSessions(db: Db, box: SecretBox, clock: Clock): Promise<StoredSession[]> {
  const rows: { id: string; uid: string | null; payload: unknown; expires_at: Date | null }[] = await db(TABLE)
    .where({ model: 'Session' })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', new Date(clock.now())))
    .select('id', 'uid', 'payload', 'expires_at');
  return rows.map((r) => ({
    rowId: r.id,
    uid: r.uid,
    payload: openStoredPayload(box, 'Session', r.id, r.payload) as StoredSession['payload'],
    expiresAt: r.expires_at ? new Date(r.expires_at) : null,
  }));
}

/** Deletes Session rows: those browsers sign in again at their next authorization. */
export async function deleteSessions(db: Db, rowIds: string[]): Promise<void> {
  if (rowIds.length) await db(TABLE).where({ model: 'Session' }).whereIn('id', rowIds).delete();
}
