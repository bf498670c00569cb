import type { Db } from '../../../db/create-db.js';

/** Events that mean the app itself acted: a token issued to it, or a call through the gateway. */
export const USE_TYPES = ['token.issued', 'gateway.call', 'gateway.denied'] as const;
const GATEWAY_TYPES = ['gateway.call', 'gateway.denied'];
const DAY_MS = 86_400_000;

/**
 * When each client last acted (USE_TYPES), or null. One correlated lookup per client, each a
 * backward scan of the (client_id, at) index that stops at the first use: cheap however long the trail.
 */
export async function lastUses(db: Db, clientIds: readonly string[]): Promise<Map<string, Date | null>> {
  const result = new Map<string, Date | null>();
  if (!clientIds.length) return result;
  const rows: { client_id: string; last_used: string | Date | null }[] = await db('oauth_clients as c')
    .select('c.client_id')
    .select(
      db('audit_events as a')
        .select('a.at')
        .whereRaw('a.client_id = c.client_id')
        .whereIn('a.type', [...USE_TYPES])
        .orderBy('a.at', 'desc')
        .limit(1)
        .as('last_used'),
    )
    .whereIn('c.client_id', [...clientIds]);
  for (const r of rows) result.set(r.client_id, r.last_used === null ? null : new Date(r.last_used));
  return result;
}

export interface ActivityDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  calls: number;
  errors: number;
}

export interface AppActivity {
  lastUsedAt: Date | null;
  days: ActivityDay[];
  calls: number;
  errors: number;
  /** Gateway answers by status over the window, most frequent first. */
  statuses: { status: number | null; count: number }[];
}

/**
 * Gateway calls and errors (status 400 and up) of one client over the last `days` UTC days,
 * today included: a range scan of the (client_id, at) index, grouped in the database.
 */
export async function appActivity(db: Db, clientId: string, now: number, days = 7): Promise<AppActivity> {
  const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
  const since = new Date(todayStart - (days - 1) * DAY_MS);
  const inWindow = () =>
    db('audit_events').where({ client_id: clientId }).whereIn('type', GATEWAY_TYPES).where('at', '>=', since);
  type DayRow = { day: string; calls: string | number; errors: string | number };
  type StatusRow = { status: number | null; n: string | number };
  const [perDay, perStatus, last] = await Promise.all([
    inWindow()
      .select(db.raw(`to_char(at at time zone 'UTC', 'YYYY-MM-DD') as day`))
      .select(db.raw('count(*) as calls'), db.raw('count(*) filter (where status >= 400) as errors'))
      .groupByRaw('1')
      .then((rows: unknown) => rows as DayRow[]),
    inWindow()
      .select('status', db.raw('count(*) as n'))
      .groupBy('status')
      .orderByRaw('2 desc')
      .then((rows: unknown) => rows as StatusRow[]),
    lastUses(db, [clientId]),
  ]);
  const byDay = new Map(perDay.map((r) => [r.day, r]));
  const series: ActivityDay[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    const r = byDay.get(day);
    series.push({ day, calls: Number(r?.calls ?? 0), errors: Number(r?.errors ?? 0) });
  }
  return {
    lastUsedAt: last.get(clientId) ?? null,
    days: series,
    calls: series.reduce((n, d) => n + d.calls, 0),
    errors: series.reduce((n, d) => n + d.errors, 0),
    statuses: perStatus.map((r) => ({ status: r.status, count: Number(r.n) })),
  };
}
