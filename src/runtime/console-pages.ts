import type { ConsolePage } from '../pages/admin-console/console-deps.js';
import { alertsPage } from '../pages/admin-console/alerts/alerts-page.js';
import { auditPage } from '../pages/admin-console/audit/audit-page.js';
import { overviewPage } from '../pages/admin-console/overview/overview-page.js';
import type { Services } from './services.js';

/** The admin console's feature pages, built over the services; each mounts its own routes under /admin. */
export function consolePages(s: Services): ConsolePage[] {
  return [
    overviewPage({
      db: s.db,
      clock: s.clock,
      clients: s.clients,
      links: s.links,
      alerts: s.alerts,
      secretMaxAgeDays: s.config.securityOps.clientSecretMaxAgeDays,
    }),
    auditPage({ db: s.db }),
    alertsPage({ alerts: s.alerts }),
  ];
}
