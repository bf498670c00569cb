import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';

const TABLE = 'oidc_payloads';

export interface GrantSummary {
  grantId: string;
  clientId: string;
  accountId: string;
  /** The approving admin's username; null if that admin was deleted. */
  adminUsername: string | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  liveTokens: number;
  /**
   * When the app last got a code or token from this grant (the newest row issued from it, used or
   * not): a token exchange or a refresh. JWT access tokens are verified without a database read,
   * so single gateway calls do not move it; the audit trail has those (gateway.call with grant_id).
   */
  lastIssuedAt: Date | null;
}

/** Who asked for a revocation: the CLI, or the admin console (`actor` is then the admin's username). */
export type RevokeVia = 'cli' | 'console';

/**
 * What an admin needs to end an app's access without disabling the app: list the grants
 * (one per admin approval) and revoke one, with every token issued from it. JWT access
 * tokens stop at the gateway within 1 s on every instance (change notifications evict the cached grant).
 */
export function createGrantAdmin(deps: { db: Db; clock: Clock; audit?: AuditLog }) {
  const { db, clock } = deps;
  const live = (q: ReturnType<Db>) =>
    q.where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', new Date(clock.now())));

  /** Deletes grants and everything issued from them; returns the rows deleted. */
  async function deleteGrants(grantIds: string[]): Promise<string[]> {
    if (!grantIds.length) return [];
    const rows = await db(TABLE).whereIn('grant_id', grantIds).delete().returning('model');
    return rows.map((r: { model: string }) => r.model);
  }

  /** Ends every grant whose payload has `field` = `value`, each audited; returns their ids. */
  async function revokeWhere(
    field: 'clientId' | 'accountId',
    value: string,
    by: { actor: string; clientId?: string; via: RevokeVia; reason: string },
  ): Promise<string[]> {
    const grants = await db(TABLE)
      .where({ model: 'Grant' })
      .whereRaw(`payload->>'${field}' = ?`, [value])
      .select('grant_id');
    const ids: string[] = grants.map((g: { grant_id: string }) => g.grant_id);
    const deleted = await deleteGrants(ids);
    for (const grantId of ids)
      await deps.audit?.record({
        type: 'grant.revoked',
        outcome: 'success',
        actor: by.actor,
        clientId: by.clientId ?? null,
        grantId,
        details: { rows: deleted.length, via: by.via, reason: by.reason },
      });
    return ids;
  }

  return {
    /**
     * Active grants only: a grant counts while it has a live token or code (unexpired and not
     * consumed: a used code or a rotated refresh token is not access).
     */
    async list(filter: { clientId?: string; accountId?: string } = {}): Promise<GrantSummary[]> {
      const q = live(db(TABLE).where({ model: 'Grant' })).orderBy('created_at', 'desc');
      if (filter.clientId) q.whereRaw(`payload->>'clientId' = ?`, [filter.clientId]);
      if (filter.accountId) q.whereRaw(`payload->>'accountId' = ?`, [filter.accountId]);
      const grants: GrantRow[] = await q;
      const counts = new Map<string, number>();
      const lastIssued = new Map<string, Date>();
      const usernames = new Map<string, string>();
      if (grants.length) {
        const rows = await live(
          db(TABLE)
            .whereIn(
              'grant_id',
              grants.map((g: { grant_id: string }) => g.grant_id),
            )
            .whereNot({ model: 'Grant' }),
        )
          .whereNull('consumed_at')
          .groupBy('grant_id')
          .select('grant_id')
          .count<{ grant_id: string; n: string }[]>({ n: '*' });
        for (const r of rows) counts.set(r.grant_id, Number(r.n));
        const issued = await db(TABLE)
          .whereIn(
            'grant_id',
            grants.map((g) => g.grant_id),
          )
          .whereNot({ model: 'Grant' })
          .groupBy('grant_id')
          .select('grant_id')
          .max<{ grant_id: string; last: Date | string }[]>({ last: 'created_at' });
        for (const r of issued) lastIssued.set(r.grant_id, new Date(r.last));
        const accountIds: string[] = [...new Set<string>(grants.map((g) => payloadOf(g).accountId))];
        for (const a of await db('admins').whereIn('id', accountIds).select('id', 'username'))
          usernames.set(a.id, a.username);
      }
      return grants
        .filter((g) => counts.has(g.grant_id))
        .map((g) => {
          const p = payloadOf(g);
          const scopes = new Set<string>(
            String(p.openid?.scope ?? '')
              .split(' ')
              .filter(Boolean),
          );
          for (const s of Object.values(p.resources ?? {})) for (const x of s.split(' ')) if (x) scopes.add(x);
          return {
            grantId: g.grant_id,
            clientId: p.clientId,
            accountId: p.accountId,
            adminUsername: usernames.get(p.accountId) ?? null,
            scopes: [...scopes].sort(),
            createdAt: new Date(g.created_at),
            expiresAt: g.expires_at ? new Date(g.expires_at) : null,
            liveTokens: counts.get(g.grant_id) ?? 0,
            lastIssuedAt: lastIssued.get(g.grant_id) ?? null,
          };
        });
    },

    /** Deletes the grant and every code and token issued from it; false when there was none. */
    async revoke(grantId: string, actor: string, via: RevokeVia = 'cli'): Promise<boolean> {
      const deleted: { model: string; payload: GrantRow['payload'] }[] = await db(TABLE)
        .where({ grant_id: grantId })
        .delete()
        .returning(['model', 'payload']);
      const grant = deleted.find((r) => r.model === 'Grant');
      const found = !!grant;
      if (deleted.length) {
        await deps.audit?.record({
          type: 'grant.revoked',
          outcome: 'success',
          actor,
          // The app, when the grant itself was among the rows (its payload is not sealed).
          clientId: grant ? (payloadOf(grant).clientId ?? null) : null,
          grantId,
          details: { rows: deleted.length, via },
        });
      }
      return found || deleted.length > 0;
    },

    /**
     * Revokes every grant of an app (all approvals, active or not) with every code and token issued
     * from them; the app itself stays registered. Returns the ids of the grants revoked.
     */
    async revokeForClient(clientId: string, actor: string, via: RevokeVia = 'cli'): Promise<string[]> {
      return revokeWhere('clientId', clientId, { actor, clientId, via, reason: 'all_of_app' });
    },

    /** Ends every grant an admin approved (the admin is being deleted); returns how many grants. */
    async revokeForAccount(accountId: string, actor: string): Promise<number> {
      return (await revokeWhere('accountId', accountId, { actor, via: 'cli', reason: 'admin_deleted' })).length;
    },
  };
}

/** The `oidc_payloads` columns a grant listing reads (oidc-provider's Grant payload is JSON). */
interface GrantRow {
  id: string;
  grant_id: string;
  payload: string | Record<string, unknown>;
  created_at: Date | string;
  expires_at: Date | string | null;
}

/** What a grant listing reads of oidc-provider's Grant payload. */
interface GrantPayload {
  clientId: string;
  accountId: string;
  openid?: { scope?: string };
  resources?: Record<string, string>;
}

const payloadOf = (g: Pick<GrantRow, 'payload'>): GrantPayload =>
  (typeof g.payload === 'string' ? JSON.parse(g.payload) : g.payload) as GrantPayload;
export type GrantAdmin = ReturnType<typeof createGrantAdmin>;
