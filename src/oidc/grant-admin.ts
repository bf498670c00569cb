import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';

const TABLE = 'oidc_payloads';

export interface GrantSummary {
  grantId: string;
  clientId: string;
  accountId: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  liveTokens: number;
}

/**
 * What an admin needs to end an app's access without disabling the app: list the grants
 * (one per admin approval) and revoke one, with every token issued from it. JWT access
 * tokens stop at the gateway within 5 s (the verifier re-checks the grant).
 */
export function createGrantAdmin(deps: { db: Db; clock: Clock; audit?: AuditLog }) {
  const { db, clock } = deps;
  const live = (q: ReturnType<Db>) => q.where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', new Date(clock.now())));

  return {
    async list(filter: { clientId?: string } = {}): Promise<GrantSummary[]> {
      const q = live(db(TABLE).where({ model: 'Grant' })).orderBy('created_at', 'desc');
      if (filter.clientId) q.whereRaw(`payload->>'clientId' = ?`, [filter.clientId]);
      const grants = await q;
      const counts = new Map<string, number>();
      if (grants.length) {
        const rows = await live(db(TABLE).whereIn('grant_id', grants.map((g: { grant_id: string }) => g.grant_id)).whereNot({ model: 'Grant' }))
          .groupBy('grant_id')
          .select('grant_id')
          .count<{ grant_id: string; n: string }[]>({ n: '*' });
        for (const r of rows) counts.set(r.grant_id, Number(r.n));
      }
      return grants.map((g: Record<string, any>) => {
        const p = typeof g.payload === 'string' ? JSON.parse(g.payload) : g.payload;
        const scopes = new Set<string>(String(p.openid?.scope ?? '').split(' ').filter(Boolean));
        for (const s of Object.values((p.resources ?? {}) as Record<string, string>)) for (const x of s.split(' ')) if (x) scopes.add(x);
        return {
          grantId: g.grant_id,
          clientId: p.clientId,
          accountId: p.accountId,
          scopes: [...scopes].sort(),
          createdAt: new Date(g.created_at),
          expiresAt: g.expires_at ? new Date(g.expires_at) : null,
          liveTokens: counts.get(g.grant_id) ?? 0,
        };
      });
    },

    /** Deletes the grant and every code and token issued from it; false when there was none. */
    async revoke(grantId: string, actor: string): Promise<boolean> {
      const deleted = await db(TABLE).where({ grant_id: grantId }).delete().returning('model');
      const found = deleted.some((r: { model: string }) => r.model === 'Grant');
      if (deleted.length) {
        await deps.audit?.record({ type: 'grant.revoked', outcome: 'success', actor, grantId, details: { rows: deleted.length, via: 'cli' } });
      }
      return found || deleted.length > 0;
    },
  };
}
