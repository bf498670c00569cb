// What every check reads: the product's services, the store as configured, the doctor's HTTP
// client, and what earlier checks found (a later check skips, saying why, when its ground is gone).
import type { RequestListener } from 'node:http';
import type { RouteDefinition } from '../api-catalog/route-table.js';
import type { ScopeCatalog } from '../api-catalog/scope-catalog.js';
import type { Clock } from '../clock.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClientStore } from '../clients/client-store.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { LinkStore } from '../magento-link/link-store.js';
import type { KeyStore } from '../oidc/key-store.js';
import type { SecretBox } from '../security/secret-box.js';
import type { CheckResult } from './check-result.js';
import type { StoreAnswer, StoreHttp } from './store-http.js';

/** The product's services the checks read (runtime/services.ts builds them; the CLI and the server pass theirs). */
export interface DoctorServices {
  config: Config;
  db: Db;
  clock: Clock;
  box: SecretBox;
  keyStore: KeyStore;
  links: LinkStore;
  clients: ClientStore;
  catalog: ScopeCatalog;
  routeTable: RouteDefinition[];
  audit: AuditLog;
}

export interface DoctorDeps {
  services: DoctorServices;
  /**
   * The OAuth endpoints' HTTP handler, for the end-to-end token check: the running server's app
   * (console), or built on demand from the services (CLI). Absent: that check is skipped.
   */
  oauthApp?: () => Promise<RequestListener>;
}

export interface StoreTarget {
  /** MAGENTO_BASE_URL, with its trailing slash. */
  baseUrl: string;
  url: URL;
  https: boolean;
  hostname: string;
  port: number;
}

export interface DoctorRun extends DoctorDeps {
  store: StoreTarget | null;
  http: StoreHttp;
  results: CheckResult[];
  /** The status of the first result with this id (this client's, for per-client checks). */
  statusOf(id: string, clientId?: string): CheckResult['status'] | undefined;
  /** Every store answer's Date header lands here (the Magento clock check reads it). */
  storeDates: { at: number; date: number }[];
  /** http.send that also notes the store's Date header. */
  send(url: string, init?: Parameters<StoreHttp['send']>[1]): Promise<StoreAnswer>;
  /** Computed once per run (a client's link, its probed ACL): later checks reuse the answer. */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export function storeTarget(magentoBaseUrl: string | null): StoreTarget | null {
  if (!magentoBaseUrl) return null;
  const url = new URL(magentoBaseUrl);
  const https = url.protocol === 'https:';
  return {
    baseUrl: magentoBaseUrl,
    url,
    https,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : https ? 443 : 80,
  };
}

/** A network error in one line: its code when Node gives one (ECONNREFUSED, CERT_HAS_EXPIRED…). */
export function networkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(err);
  if (e && (e as Error).name === 'TimeoutError') return 'no answer in time (timeout)';
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Rejects after `ms`: DNS lookups and raw sockets have no timeout of their own. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (timeout)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
