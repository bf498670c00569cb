import type { Db } from '../db/create-db.js';

export interface TokenStatsRow {
  clientId: string;
  /** Tokens issued by the code and client-credentials grants. */
  issued: number;
  /** Tokens issued by the refresh grant. */
  refreshed: number;
  /** Code grants whose access token expired with no gateway call and no refresh. */
  expiredUnused: number;
  /** Tokens revoked by their client (RFC 7009) plus grants revoked by an admin. */
  revoked: number;
  /** Replayed refresh tokens (token.refresh_reuse). */
  refreshReuse: number;
}

/**
 * Token monitoring from the audit trail, per client, for `[since, until)`. Counts come from the
 * events every instance writes (token.issued, token.revoked, grant.revoked, gateway.call), so they
 * hold across instances and restarts; "expired unused" follows each code grant's id.
 */
export async function tokenStats(
  db: Db,
  opts: { since: Date; until: Date; now: number; accessTokenTtlS: number; clientId?: string },
): Promise<TokenStatsRow[]> {
  const expiredBefore = new Date(Math.min(opts.until.getTime(), opts.now) - opts.accessTokenTtlS * 1000);
  const counts = db('audit_events')
    .select('client_id')
    .select(
      db.raw(
        `count(*) filter (where type = 'token.issued' and coalesce(details->>'grantType', '') <> 'refresh_token') ` +
          'as issued',
      ),
      db.raw(`count(*) filter (where type = 'token.issued' and details->>'grantType' = 'refresh_token') as refreshed`),
      db.raw(`count(*) filter (where type in ('token.revoked', 'grant.revoked')) as revoked`),
      db.raw(`count(*) filter (where type = 'token.refresh_reuse') as refresh_reuse`),
    )
    .whereNotNull('client_id')
    .whereIn('type', ['token.issued', 'token.revoked', 'grant.revoked', 'token.refresh_reuse'])
    .where('at', '>=', opts.since)
    .where('at', '<', opts.until)
    .groupBy('client_id');
  if (opts.clientId) counts.where({ client_id: opts.clientId });

  const unused = db('audit_events as i')
    .select('i.client_id')
    .count({ n: '*' })
    .where('i.type', 'token.issued')
    .whereRaw(`i.details->>'grantType' = 'authorization_code'`)
    .whereNotNull('i.grant_id')
    .where('i.at', '>=', opts.since)
    .where('i.at', '<', expiredBefore)
    .whereNotExists(
      db('audit_events as g')
        .select(db.raw('1'))
        .whereRaw('g.grant_id = i.grant_id')
        .where((q) =>
          q
            .where('g.type', 'gateway.call')
            .orWhere((r) => r.where('g.type', 'token.issued').whereRaw(`g.details->>'grantType' = 'refresh_token'`)),
        ),
    )
    .groupBy('i.client_id');
  if (opts.clientId) unused.where('i.client_id', opts.clientId);

  const [rows, unusedRows] = await Promise.all([counts, unused]);
  const unusedBy = new Map(unusedRows.map((r: Record<string, unknown>) => [r.client_id as string, Number(r.n)]));
  return rows
    .map((r: Record<string, unknown>) => ({
      clientId: r.client_id as string,
      issued: Number(r.issued),
      refreshed: Number(r.refreshed),
      expiredUnused: unusedBy.get(r.client_id as string) ?? 0,
      revoked: Number(r.revoked),
      refreshReuse: Number(r.refresh_reuse),
    }))
    .sort((a: TokenStatsRow, b: TokenStatsRow) => b.issued + b.refreshed - (a.issued + a.refreshed));
}
