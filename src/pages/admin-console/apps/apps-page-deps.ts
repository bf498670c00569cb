import type { ScopeCatalog } from '../../../api-catalog/scope-catalog.js';
import type { Clock } from '../../../clock.js';
import type { ClientStore } from '../../../clients/client-store.js';
import type { Config } from '../../../config/config.js';
import type { Db } from '../../../db/create-db.js';
import type { LinkStore } from '../../../magento-link/link-store.js';
import type { GrantAdmin } from '../../../oidc/grant-admin.js';

/** What the Apps page is built over (runtime/console-pages.ts passes the services). */
export interface AppsPageDeps {
  clients: ClientStore;
  grants: GrantAdmin;
  links: LinkStore;
  catalog: ScopeCatalog;
  db: Db;
  clock: Clock;
  config: Pick<Config, 'clientSecretRotationOverlapS' | 'securityOps'>;
}
