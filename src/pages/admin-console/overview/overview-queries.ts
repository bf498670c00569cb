import type { Db } from '../../../db/create-db.js';

const DAY_MS = 86_400_000;

/** The window of the overview: `days` whole UTC days ending today (today included, so far). */
export interface OverviewWindow {
  since: Date;
  until: Date;
  /** `YYYY-MM-DD` of each day, oldest first. */
  days: string[];
}

export function overviewWindow(now: number, days: number): OverviewWindow {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const since = new Date(today - (days - 1) * DAY_MS);
  return {
    since,
    until: new Date(today + DAY_MS),
    days: Array.from({ length: days }, (_, i) => new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10)),
  };
}

/**
 * Rows of `type` per UTC day in the window, every day present (zero when nothing happened): one
 * grouped query over the (type, at) index.
 */
export async function countPerDay(db: Db, type: string, w: OverviewWindow): Promise<{ day: string; count: number }[]> {
  const rows: { day: string; n: string | number }[] = await db('audit_events')
    .select(db.raw(`to_char(date_trunc('day', at at time zone 'UTC'), 'YYYY-MM-DD') as day`))
    .count({ n: '*' })
    .where({ type })
    .where('at', '>=', w.since)
    .where('at', '<', w.until)
    .groupByRaw('1');
  const by = new Map(rows.map((r) => [r.day, Number(r.n)]));
  return w.days.map((day) => ({ day, count: by.get(day) ?? 0 }));
}

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export interface GatewayClientCounts {
  /** null: calls refused before a token named a client (no or bad bearer token). */
  clientId: string | null;
  byClass: Record<StatusClass, number>;
  total: number;
}

/**
 * Gateway calls answered in the window (forwarded `gateway.call` and refused `gateway.denied`) per
 * client and status class: one grouped query over the (type, at) index. Busiest client first.
 */
export async function gatewayCallsPerClient(db: Db, w: OverviewWindow): Promise<GatewayClientCounts[]> {
  const rows: { client_id: string | null; class: number | string | null; n: string | number }[] = await db(
    'audit_events',
  )
    .select('client_id', db.raw('status / 100 as class'))
    .count({ n: '*' })
    .whereIn('type', ['gateway.call', 'gateway.denied'])
    .where('at', '>=', w.since)
    .where('at', '<', w.until)
    .groupByRaw('1, 2');
  const by = new Map<string | null, GatewayClientCounts>();
  for (const r of rows) {
    const entry = by.get(r.client_id) ?? {
      clientId: r.client_id,
      byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
      total: 0,
    };
    const c = Number(r.class);
    // 1xx never reaches the audit; a missing status counts as a server error.
    const cls: StatusClass = c === 2 ? '2xx' : c === 3 ? '3xx' : c === 4 ? '4xx' : '5xx';
    entry.byClass[cls] += Number(r.n);
    entry.total += Number(r.n);
    by.set(r.client_id, entry);
  }
  // Ties: named apps by id, the calls without one last.
  return [...by.values()].sort(
    (a, b) =>
      b.total - a.total ||
      Number(a.clientId === null) - Number(b.clientId === null) ||
      (a.clientId ?? '').localeCompare(b.clientId ?? ''),
  );
}
