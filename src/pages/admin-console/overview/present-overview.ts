import { presentBarChart } from './bar-chart.js';
import type { OverviewData } from './overview-data.js';
import { STATUS_CLASSES } from './overview-queries.js';

const LINK_STATE: Record<string, { text: string; class: string }> = {
  active: { text: 'Linked', class: 'status-pass' },
  awaiting_confirmation: { text: 'Waiting for confirmation', class: 'status-warn' },
  pending: { text: 'Waiting for Magento', class: 'status-warn' },
  failed: { text: 'Failed', class: 'status-fail' },
  revoked: { text: 'Revoked', class: 'status-fail' },
  none: { text: 'Not linked', class: 'status-skip' },
};

/** 2026-12-08 → "Dec 8" for the axis; the table keeps the ISO day. */
const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

const short = (d: Date | null) => (d ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}` : '—');

/** The overview's view model: stats, the charts' geometry and tables, link health, secrets due. */
export function presentOverview(d: OverviewData, days: number) {
  const names = new Map(d.clients.map((c) => [c.clientId, c.name]));
  const appLabel = (id: string | null) => (id === null ? '(no app: refused)' : (names.get(id) ?? id));
  const perDay = (id: string, title: string, unit: string, rows: { day: string; count: number }[], alert = false) =>
    presentBarChart({
      id,
      title,
      unit,
      labelHeading: 'Day (UTC)',
      tone: alert ? 'alert' : 'default',
      bars: rows.map((r) => ({ label: r.day, value: r.count })),
    });
  const tokens = perDay('chart-tokens', `Tokens issued per day, last ${days} days`, 'tokens issued', d.tokens);
  for (const b of tokens.bars) if (b.axisLabel) b.axisLabel = dayLabel(b.label);
  const signIns = perDay(
    'chart-signin-failures',
    `Failed admin sign-ins per day, last ${days} days`,
    'failed sign-ins',
    d.signInFailures,
    true,
  );
  const alerts = perDay(
    'chart-alerts',
    `Alerts raised per day, last ${days} days`,
    'alerts raised',
    d.alertsRaised,
    true,
  );
  for (const c of [signIns, alerts]) for (const b of c.bars) if (b.axisLabel) b.axisLabel = dayLabel(b.label);
  const perClient = presentBarChart({
    id: 'chart-gateway-clients',
    title: `Gateway calls per app, last ${days} days`,
    unit: 'calls',
    labelHeading: 'App',
    bars: d.gateway.map((g) => ({ label: appLabel(g.clientId), value: g.total })),
    extraColumns: {
      headings: [...STATUS_CLASSES],
      rows: d.gateway.map((g) => STATUS_CLASSES.map((c) => g.byClass[c])),
    },
  });
  const byClass = presentBarChart({
    id: 'chart-gateway-status',
    title: `Gateway calls per status class, last ${days} days`,
    unit: 'calls',
    labelHeading: 'Status',
    bars: STATUS_CLASSES.map((c) => ({ label: c, value: d.gateway.reduce((s, g) => s + g.byClass[c], 0) })),
  });
  const linkBy = new Map(d.links.map((l) => [l.clientId, l]));
  const linkHealth = d.clients.map((c) => {
    const l = linkBy.get(c.clientId);
    const state = LINK_STATE[l?.status ?? 'none'] ?? LINK_STATE.none!;
    return {
      clientId: c.clientId,
      name: c.name,
      enabled: c.enabled,
      state: state.text,
      stateClass: state.class,
      store: l?.storeBaseUrl ?? '—',
      lastHandshake: l?.activationReceivedAt?.toISOString() ?? null,
      lastHandshakeShort: short(l?.activationReceivedAt ?? null),
      lastError: l?.lastError ?? null,
    };
  });
  const sum = (rows: { count: number }[]) => rows.reduce((s, r) => s + r.count, 0);
  return {
    days,
    dayChoices: [7, 30].map((n) => ({ days: n, current: n === days, href: n === 7 ? '/admin' : `/admin?days=${n}` })),
    stats: [
      { id: 'stat-tokens', label: 'Tokens issued', value: sum(d.tokens) },
      { id: 'stat-calls', label: 'Gateway calls', value: perClient.total },
      { id: 'stat-signin-failures', label: 'Failed sign-ins', value: sum(d.signInFailures) },
      { id: 'stat-alerts', label: 'Alerts raised', value: sum(d.alertsRaised) },
      { id: 'stat-open-alerts', label: 'Open alerts', value: d.openAlerts },
    ],
    charts: { tokens, perClient, byClass, signIns, alerts },
    linkHealth,
    secretsDue: d.secretsDue.map((s) => ({ clientId: s.client.clientId, name: s.client.name, ageDays: s.ageDays })),
    maxAgeDays: d.maxAgeDays,
  };
}
