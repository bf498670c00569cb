import type Provider from 'oidc-provider';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/create-db.js';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { PasskeyService } from '../../admins/passkey-service.js';

/** What the consent page shows for one API scope (helper shape of scopes/describe-scope.ts). */
export interface ScopeInfo {
  name: string;
  title: string;
  description: string;
  access: 'read-only' | 'read-write';
  resources: Array<{ title: string; path: string }>;
}

/** State of the app's link to Magento, as the consent page words it. */
export interface MagentoLinkStatus {
  state: 'active' | 'pending' | 'failed' | 'revoked' | 'none';
  /** Plain-words summary; a default per state is used when absent. */
  detail?: string;
}

export interface InteractionDeps {
  provider: Provider;
  db: Db;
  clock: Clock;
  box: SecretBox;
  audit: AuditLog;
  config: Config;
  auth: AdminAuth;
  limiter: RateLimiter;
  /** Admin passkeys and the ADMIN_SECOND_FACTOR policy (issue 18). */
  passkeys: PasskeyService;
  /** Files vendored from packages, served under /assets/ by name (the WebAuthn browser helper). */
  assetExtras?: Record<string, string>;
  /** Injected so interactions/ never imports the Magento-specific scope catalog. */
  describeScope?: (name: string) => ScopeInfo | null;
  linkStatus?: (clientId: string) => Promise<MagentoLinkStatus | null>;
  viewsDir?: string;
}
