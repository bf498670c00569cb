import type { ConsolePage } from '../pages/admin-console/console-deps.js';
import { adminsPage } from '../pages/admin-console/admins/admins-page.js';
import { grantsPage } from '../pages/admin-console/grants/grants-page.js';
import { linksPage } from '../pages/admin-console/links/links-page.js';
import { alertsPage } from '../pages/admin-console/alerts/alerts-page.js';
import { auditPage } from '../pages/admin-console/audit/audit-page.js';
import { overviewPage } from '../pages/admin-console/overview/overview-page.js';
import { appsPage } from '../pages/admin-console/apps/apps-page.js';
import type { Services } from './services.js';

/** The admin console's feature pages, built over the services; each mounts its own routes under /admin. */
export function consolePages(s: Services): ConsolePage[] {
  return [
    grantsPage({ grants: s.grants, clients: s.clients, admins: s.admins.management, clock: s.clock }),
    linksPage({ links: s.links, clients: s.clients, audit: s.audit, db: s.db, clock: s.clock, config: s.config }),
    adminsPage({
      management: s.admins.management,
      adminSessions: s.admins.sessions,
      consoleSessions: s.admins.console,
      audit: s.audit,
      clock: s.clock,
      production: s.config.production,
    }),
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
    appsPage({
      clients: s.clients,
      grants: s.grants,
      links: s.links,
      catalog: s.catalog,
      db: s.db,
      clock: s.clock,
      config: s.config,
    }),
  ];
}
