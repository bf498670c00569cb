// Every check, in the order it runs: later ones read earlier results (a dead store skips the rest).
import type { CheckResult } from './check-result.js';
import { checkDatabase, checkDatabaseClock, checkIssuer, checkKeys } from './config-checks.js';
import type { DoctorRun } from './doctor-run.js';
import {
  checkAclExtra,
  checkAclMissing,
  checkBearer,
  checkConsumerWindow,
  checkLinkState,
  checkLinkToken,
} from './link-checks.js';
import { checkRedirectUris, checkSecretAge, checkTokenRoundtrip } from './oauth-checks.js';
import { checkMagentoClock, checkRest, checkTokenEndpoint, checkVersion } from './store-magento-checks.js';
import { checkBaseUrl, checkDns, checkRedirects, checkTcp, checkTls } from './store-network-checks.js';

export interface ServerCheck {
  id: string;
  run(run: DoctorRun): Promise<CheckResult>;
}
export interface ClientCheck {
  id: string;
  run(run: DoctorRun, clientId: string): Promise<CheckResult>;
}

export const SERVER_CHECKS: ServerCheck[] = [
  { id: 'config.issuer', run: checkIssuer },
  { id: 'config.database', run: checkDatabase },
  { id: 'config.keys', run: checkKeys },
  { id: 'config.clock_db', run: checkDatabaseClock },
  { id: 'store.base_url', run: checkBaseUrl },
  { id: 'store.dns', run: checkDns },
  { id: 'store.tcp', run: checkTcp },
  { id: 'store.tls', run: checkTls },
  { id: 'store.redirects', run: checkRedirects },
  { id: 'store.version', run: checkVersion },
  { id: 'store.token_endpoint', run: checkTokenEndpoint },
  { id: 'store.rest', run: checkRest },
  { id: 'config.clock_magento', run: checkMagentoClock },
];

export const CLIENT_CHECKS: ClientCheck[] = [
  { id: 'link.state', run: checkLinkState },
  { id: 'link.consumer_window', run: checkConsumerWindow },
  { id: 'link.token', run: checkLinkToken },
  { id: 'link.acl_missing', run: checkAclMissing },
  { id: 'link.acl_extra', run: checkAclExtra },
  { id: 'link.bearer', run: checkBearer },
  { id: 'oauth.redirect_uris', run: checkRedirectUris },
  { id: 'oauth.secret_age', run: checkSecretAge },
  { id: 'oauth.token_roundtrip', run: checkTokenRoundtrip },
];

/** Every check id, for the docs and the tests. */
export const CHECK_IDS = [...SERVER_CHECKS, ...CLIENT_CHECKS].map((c) => c.id);
