import type { AlertsService } from '../../../alerts/alerts-service.js';
import type { ClientStore } from '../../../clients/client-store.js';
import type { ClientRecord } from '../../../clients/client-record.js';
import { secretAge } from '../../../clients/secret-age.js';
import type { Clock } from '../../../clock.js';
import type { Db } from '../../../db/create-db.js';
import type { LinkView } from '../../../magento-link/link-record.js';
import { countPerDay, gatewayCallsPerClient, overviewWindow, type GatewayClientCounts } from './overview-queries.js';

export interface OverviewDeps {
  db: Db;
  clock: Clock;
  clients: Pick<ClientStore, 'list'>;
  links: { list(): Promise<LinkView[]> };
  alerts: Pick<AlertsService, 'open'>;
  /** CLIENT_SECRET_MAX_AGE_DAYS */
  secretMaxAgeDays: number;
}

export interface OverviewData {
  days: string[];
  tokens: { day: string; count: number }[];
  signInFailures: { day: string; count: number }[];
  alertsRaised: { day: string; count: number }[];
  gateway: GatewayClientCounts[];
  clients: ClientRecord[];
  links: LinkView[];
  openAlerts: number;
  secretsDue: { client: ClientRecord; ageDays: number }[];
  maxAgeDays: number;
  now: number;
}

/** Everything the overview shows, for the last `days` UTC days: one grouped query per chart, in parallel. */
export async function loadOverview(deps: OverviewDeps, days: number): Promise<OverviewData> {
  const now = deps.clock.now();
  const w = overviewWindow(now, days);
  const [tokens, signInFailures, alertsRaised, gateway, clients, links, open] = await Promise.all([
    countPerDay(deps.db, 'token.issued', w),
    countPerDay(deps.db, 'admin.login_failed', w),
    countPerDay(deps.db, 'alert.raised', w),
    gatewayCallsPerClient(deps.db, w),
    deps.clients.list(),
    deps.links.list(),
    deps.alerts.open(),
  ]);
  const secretsDue = clients
    .map((client) => ({ client, age: secretAge(client, now, deps.secretMaxAgeDays) }))
    .filter((c) => c.age?.rotationDue)
    .map((c) => ({ client: c.client, ageDays: c.age!.ageDays }))
    .sort((a, b) => b.ageDays - a.ageDays);
  return {
    days: w.days,
    tokens,
    signInFailures,
    alertsRaised,
    gateway,
    clients,
    links,
    openAlerts: open.length,
    secretsDue,
    maxAgeDays: deps.secretMaxAgeDays,
    now,
  };
}
