import type { Alert } from './alert.js';
import type { AlertRule, RuleInput } from './alert-rule.js';
import { networkOf } from './ip-network.js';

type Kind = 'client_network' | 'client_country' | 'admin_country';

interface Sighting {
  subject: string;
  kind: Kind;
  value: string;
  ip: string | null;
  country: string | null;
}

/** What each new row says about where a client (token, gateway call) or an admin (sign-in) came from. */
interface OriginRow {
  type: string;
  client_id: string | null;
  actor: string | null;
  ip: string | null;
  country: string | null;
}

async function sightings({ trx, fromId, toId }: RuleInput): Promise<Sighting[]> {
  const rows = (await trx('audit_events')
    .select('type', 'client_id', 'actor', 'ip', 'country')
    .min('id as first')
    .where('id', '>', fromId)
    .where('id', '<=', toId)
    .where((q) =>
      q
        .where((c) => c.whereIn('type', ['token.issued', 'gateway.call']).whereNotNull('client_id'))
        .orWhere((a) => a.where('type', 'admin.login').whereNotNull('actor').whereNotNull('country')),
    )
    .groupBy('type', 'client_id', 'actor', 'ip', 'country')
    .orderBy('first')) as OriginRow[];
  return rows.flatMap((r): Sighting[] => {
    const seen = { ip: r.ip, country: r.country };
    if (r.type === 'admin.login')
      return [{ subject: r.actor!, kind: 'admin_country' as const, value: r.country!, ...seen }];
    const net = networkOf(r.ip);
    return [
      ...(net ? [{ subject: r.client_id!, kind: 'client_network' as const, value: net, ...seen }] : []),
      ...(r.country ? [{ subject: r.client_id!, kind: 'client_country' as const, value: r.country, ...seen }] : []),
    ];
  });
}

/**
 * First use of a client from a new /24 or /48 network or a new country, and an admin signing in from
 * a country never seen for them. The first sighting ever is the baseline, not an alert; every new
 * origin is remembered (alert_origins), even while its rule is disabled.
 */
export const newOriginRule: AlertRule = async (input) => {
  const list = await sightings(input);
  if (!list.length) return [];
  const { trx, now } = input;
  const subjects = [...new Set(list.map((s) => s.subject))];
  const known = new Set<string>();
  const hasHistory = new Set<string>();
  for (const chunk of chunks(subjects, 500)) {
    const rows = await trx('alert_origins').select('subject', 'kind', 'value').whereIn('subject', chunk);
    for (const r of rows) {
      known.add(`${r.kind}|${r.subject}|${r.value}`);
      hasHistory.add(`${r.kind}|${r.subject}`);
    }
  }
  const fresh: Sighting[] = [];
  const alerts: Alert[] = [];
  for (const s of list) {
    const id = `${s.kind}|${s.subject}|${s.value}`;
    if (known.has(id)) continue;
    known.add(id);
    fresh.push(s);
    if (hasHistory.has(`${s.kind}|${s.subject}`)) alerts.push(...alertFor(input, s));
    hasHistory.add(`${s.kind}|${s.subject}`);
  }
  for (const chunk of chunks(fresh, 500)) {
    await trx('alert_origins')
      .insert(chunk.map((s) => ({ subject: s.subject, kind: s.kind, value: s.value, first_seen_at: now })))
      .onConflict(['subject', 'kind', 'value'])
      .ignore();
  }
  return alerts;
};

function alertFor(input: RuleInput, s: Sighting): Alert[] {
  const where = { ip: s.ip, country: s.country, details: { [s.kind.split('_')[1]!]: s.value } };
  if (s.kind === 'admin_country') {
    if (!input.enabled('admin_new_country')) return [];
    return [
      {
        rule: 'admin_new_country',
        severity: 'high',
        actor: s.subject,
        ...where,
        summary: `admin ${s.subject} signed in from ${s.value}, a country never seen for them`,
        dedupKey: `admin_new_country:${s.subject}:${s.value}`,
      },
    ];
  }
  const rule = s.kind === 'client_network' ? 'new_network' : 'new_country';
  if (!input.enabled(rule)) return [];
  const what = rule === 'new_network' ? 'network' : 'country';
  return [
    {
      rule,
      severity: rule === 'new_country' ? 'medium' : 'low',
      clientId: s.subject,
      ...where,
      summary: `client ${s.subject} used from ${what} ${s.value} for the first time`,
      dedupKey: `${rule}:${s.subject}:${s.value}`,
    },
  ];
}

/** Any audit row refused because of its country (`details.reason = 'country_denied'`). */
export const deniedCountryRule: AlertRule = async ({ trx, fromId, toId }) => {
  type DeniedRow = { client_id: string | null; ip: string | null; country: string | null; n: string | number };
  const rows = (await trx('audit_events')
    .select('client_id', 'ip', 'country')
    .count('* as n')
    .where('id', '>', fromId)
    .where('id', '<=', toId)
    .whereRaw(`details->>'reason' = 'country_denied'`)
    .whereNot('type', 'like', 'alert.%')
    .groupBy('client_id', 'ip', 'country')
    .orderBy(['client_id', 'ip'])) as DeniedRow[];
  return rows.map((r) => {
    const who = r.client_id ? `client ${r.client_id}` : `an unauthenticated caller`;
    return {
      rule: 'denied_country',
      severity: 'medium' as const,
      clientId: r.client_id,
      ip: r.ip,
      country: r.country,
      summary: `${who} called from denied country ${r.country ?? 'unknown'} (${r.ip ?? 'no address'})`,
      details: { count: Number(r.n) },
      dedupKey: `denied_country:${r.client_id ?? `ip:${r.ip}`}:${r.country ?? '-'}`,
    };
  });
};

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
