import type { AlertRule } from './alert-rule.js';

/**
 * A client's gateway calls in the last window far above its own average per window over the
 * baseline days before it. A client with no calls in the baseline has no baseline: no alert.
 */
export const volumeSpikeRule: AlertRule = async ({ trx, fromId, toId, config }) => {
  const { factor, min, windowS, baselineDays } = config.volume;
  const window = `interval '${Math.trunc(windowS)} seconds'`;
  const baseline = `interval '${Math.trunc(baselineDays)} days'`;
  const res = await trx.raw(
    `with clients as (
       select client_id, max(at) as last_at from audit_events
       where id > ? and id <= ? and type = 'gateway.call' and client_id is not null group by client_id
     )
     select c.client_id, c.last_at,
       (select count(*) from audit_events e where e.type = 'gateway.call' and e.client_id = c.client_id
         and e.id <= ? and e.at > c.last_at - ${window} and e.at <= c.last_at)::int as current,
       (select count(*) from audit_events e where e.type = 'gateway.call' and e.client_id = c.client_id
         and e.at > c.last_at - ${window} - ${baseline} and e.at <= c.last_at - ${window})::int as history
     from clients c order by c.client_id`,
    [fromId, toId, toId],
  );
  const windowsInBaseline = (baselineDays * 86_400) / windowS;
  return (res.rows as { client_id: string; current: number; history: number }[]).flatMap((r) => {
    const average = Number(r.history) / windowsInBaseline;
    const current = Number(r.current);
    if (!Number(r.history) || current < min || current <= factor * average) return [];
    return [
      {
        rule: 'volume_spike',
        severity: 'medium' as const,
        clientId: r.client_id,
        summary: `client ${r.client_id}: ${current} gateway calls in ${windowS} s, ${factor}× above its average`,
        details: { count: current, average: Math.round(average * 100) / 100, factor, min, windowS, baselineDays },
        dedupKey: `volume_spike:${r.client_id}`,
      },
    ];
  });
};
