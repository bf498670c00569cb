import type { ConsolePage } from '../pages/admin-console/console-deps.js';
import { appsPage } from '../pages/admin-console/apps/apps-page.js';
import type { Services } from './services.js';

/** The admin console's feature pages, built over the services; each mounts its own routes under /admin. */
export function consolePages(s: Services): ConsolePage[] {
  return [
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
