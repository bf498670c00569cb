import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { Logger } from '../logging/logger.js';
import type { SecretBox } from '../security/secret-box.js';
import { loadScopeCatalog, type ScopeCatalog } from '../api-catalog/scope-catalog.js';
import { loadAclResources } from '../api-catalog/acl-resources.js';
import type { HandshakeOptions } from './integration-handshake.js';
import { createLinkActivation, type LinkActivation } from './link-activation.js';
import { createLinkStore, type LinkStore } from './link-store.js';
import { createRouteMatcher, type RouteMatcher } from '../api-catalog/route-matcher.js';
import { loadRoutes, type RouteDefinition } from '../api-catalog/route-table.js';

export interface MagentoServices {
  routeTable: RouteDefinition[];
  matcher: RouteMatcher;
  catalog: ScopeCatalog;
  links: LinkStore;
  activation: LinkActivation;
}

/**
 * Loads and validates the Magento data (route table, ACL titles, scope catalog) once at start —
 * a bad SCOPES_FILE or ROUTES_FILE stops the start with the file and entry named — and builds
 * the link services over the database.
 */
export function createMagentoServices(deps: {
  config: Config;
  db: Db;
  box: SecretBox;
  clock: Clock;
  audit: AuditLog;
  logger: Logger;
  handshake?: Omit<HandshakeOptions, 'activatedAt'>;
}): MagentoServices {
  const { config } = deps;
  const routeTable = loadRoutes({ routesFile: config.routesFile ?? undefined });
  const aclResources = loadAclResources();
  const catalog = loadScopeCatalog({ scopesFile: config.scopesFile ?? undefined, routeTable, aclResources });
  const links = createLinkStore({ db: deps.db, box: deps.box, clock: deps.clock });
  const activation = createLinkActivation({
    links,
    magentoBaseUrl: config.magentoBaseUrl,
    audit: deps.audit,
    logger: deps.logger,
    clock: deps.clock,
    handshake: deps.handshake,
  });
  return { routeTable, matcher: createRouteMatcher(routeTable), catalog, links, activation };
}
