import type { Alert } from './alert.js';
import type { ActiveHours, AlertRule } from './alert-rule.js';

/** Whether `at` falls outside `hours` in their time zone; `start` > `end` is a range over midnight. */
export function outsideHours(at: Date, hours: ActiveHours): boolean {
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  const inside =
    hours.start <= hours.end ? local >= hours.start && local < hours.end : local >= hours.start || local < hours.end;
  return !inside;
}

/** Gateway calls by a client outside the hours configured for it (clients without hours are never checked). */
export const activeHoursRule: AlertRule = async ({ trx, fromId, toId, activeHours }) => {
  const alerts: Alert[] = [];
  for (const [clientId, hours] of activeHours) {
    const rows: { at: string | Date; ip: string | null; country: string | null }[] = await trx('audit_events')
      .select('at', 'ip', 'country')
      .where({ type: 'gateway.call', client_id: clientId })
      .where('id', '>', fromId)
      .where('id', '<=', toId)
      .orderBy('id');
    const outside = rows.filter((r) => outsideHours(new Date(r.at), hours));
    if (!outside.length) continue;
    const first = outside[0]!;
    alerts.push({
      rule: 'outside_active_hours',
      severity: 'medium',
      clientId,
      ip: first.ip,
      country: first.country,
      summary: `client ${clientId} called the API outside its hours (${hours.start}–${hours.end} ${hours.timeZone})`,
      details: { count: outside.length, firstAt: new Date(first.at).toISOString(), ...hours },
      dedupKey: `outside_active_hours:${clientId}`,
    });
  }
  return alerts;
};
