import type { AlertRuleName } from '../config/alerts-config.js';
import type { Alert } from './alert.js';
import type { AlertRule, RuleInput } from './alert-rule.js';

interface Burst {
  key: string;
  count: number;
  lastAt: Date;
}

/**
 * Keys (an IP, an account, a client) with at least `max` matching rows within any `windowS`-second
 * window that ends at one of the new rows: a sliding count, so a burst split across runs counts whole.
 * `keySql` and `whereSql` are fixed SQL fragments of this file, never input.
 */
async function bursts(
  input: RuleInput,
  spec: { types: string[]; keySql: string; whereSql?: string; max: number; windowS: number },
): Promise<Burst[]> {
  const { trx, fromId, toId } = input;
  const window = `interval '${Math.trunc(spec.windowS)} seconds'`;
  const types = spec.types.map(() => '?').join(', ');
  const res = await trx.raw(
    `with recent as (
       select id, at, ${spec.keySql} as k from audit_events
       where type in (${types}) and ${spec.whereSql ?? 'true'} and ${spec.keySql} is not null and id <= ?
         and at > (select min(at) from audit_events where id > ? and id <= ?) - ${window}
     ), counted as (
       select id, k, at, count(*) over (partition by k order by at range between ${window} preceding and current row) n
       from recent
     )
     select k, max(n)::int as n, max(at) as last_at from counted where id > ? and n >= ? group by k order by k`,
    [...spec.types, toId, fromId, toId, fromId, spec.max],
  );
  return (res.rows as { k: string; n: number; last_at: string | Date }[]).map((r) => ({
    key: r.k,
    count: Number(r.n),
    lastAt: new Date(r.last_at),
  }));
}

const SIGNIN_FAILURES = ['admin.login_failed', 'admin.totp_failed', 'admin.passkey_failed'];

/** Failed passwords, TOTP codes and passkey assertions: per source IP, and per account from several IPs. */
export const signinFailuresRule: AlertRule = async (input) => {
  const { max, windowS } = input.config.signinFailures;
  const alerts: Alert[] = [];
  for (const b of await bursts(input, { types: SIGNIN_FAILURES, keySql: 'ip', max, windowS })) {
    alerts.push({
      rule: 'signin_failures',
      severity: 'high',
      ip: b.key,
      summary: `${b.count} failed admin sign-ins or codes from ${b.key} within ${windowS} s`,
      details: { count: b.count, threshold: max, windowS, by: 'ip', lastAt: b.lastAt.toISOString() },
      dedupKey: `signin_failures:ip:${b.key}`,
    });
  }
  for (const b of await bursts(input, { types: SIGNIN_FAILURES, keySql: 'actor', max, windowS })) {
    // One address hammering one account is the per-IP alert above: this one is for spread attacks.
    const ips = await input
      .trx('audit_events')
      .whereIn('type', SIGNIN_FAILURES)
      .where({ actor: b.key })
      .where('at', '>', new Date(b.lastAt.getTime() - windowS * 1000))
      .where('at', '<=', b.lastAt)
      .countDistinct('ip as n');
    const sources = Number(ips[0]!.n);
    if (sources < 2) continue;
    alerts.push({
      rule: 'signin_failures',
      severity: 'high',
      actor: b.key,
      summary: `${b.count} failed sign-ins or codes for admin ${b.key} from ${sources} addresses within ${windowS} s`,
      details: { count: b.count, threshold: max, windowS, by: 'account', sources, lastAt: b.lastAt.toISOString() },
      dedupKey: `signin_failures:actor:${b.key}`,
    });
  }
  return alerts;
};

/** Failures at the token endpoint (bad secrets, bad grants) per client. */
export const tokenFailuresRule: AlertRule = async (input) => {
  const { max, windowS } = input.config.tokenFailures;
  const found = await bursts(input, {
    types: ['oauth.error'],
    keySql: 'client_id',
    // Older rows name the endpoint in details only; rows without it are the token endpoint's.
    whereSql: `coalesce(details->>'route', 'token') = 'token'`,
    max,
    windowS,
  });
  return found.map((b) => ({
    rule: 'token_failures' satisfies AlertRuleName,
    severity: 'medium' as const,
    clientId: b.key,
    summary: `${b.count} token endpoint failures for client ${b.key} within ${windowS} s`,
    details: { count: b.count, threshold: max, windowS, lastAt: b.lastAt.toISOString() },
    dedupKey: `token_failures:${b.key}`,
  }));
};

/** GET calls on order or customer routes (REST; GraphQL is out of scope): many pages in a short time. */
export const bulkReadsRule: AlertRule = async (input) => {
  const { max, windowS } = input.config.bulkReads;
  const found = await bursts(input, {
    types: ['gateway.call'],
    keySql: 'client_id',
    // The route column (issue 15) or, in older rows, details.route: `GET /V1/orders/:id`.
    whereSql: `coalesce(route, details->>'route') ~ '^GET \\S*/V1/(orders|customers)(/|$)'`,
    max,
    windowS,
  });
  return found.map((b) => ({
    rule: 'bulk_reads' satisfies AlertRuleName,
    severity: 'high' as const,
    clientId: b.key,
    summary: `${b.count} order or customer reads by client ${b.key} within ${windowS} s`,
    details: { count: b.count, threshold: max, windowS, lastAt: b.lastAt.toISOString() },
    dedupKey: `bulk_reads:${b.key}`,
  }));
};
