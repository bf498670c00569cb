import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import { createAdminStore, type AdminStore } from './admin-store.js';
import { createPasswordHasher, type PasswordHasher } from './password-hasher.js';
import { createTotp, type Totp } from './totp.js';
import { PRODUCT_NAME } from '../config/brand.js';

export interface AdminDeps {
  db: Db;
  box: SecretBox;
  clock: Clock;
  config: Pick<Config, 'issuer' | 'adminLockoutThreshold' | 'adminLockoutMinutes' | 'adminArgon2'>;
  audit?: AuditLog;
}

/** The pieces every admin service shares, built once by the composition root. */
export interface AdminCore {
  store: AdminStore;
  hasher: PasswordHasher;
  totp: Totp;
  deps: AdminDeps;
}

/** The label authenticator apps show next to the account: the issuer's host. */
export function totpIssuerLabel(issuer: string): string {
  return `${PRODUCT_NAME} (${new URL(issuer).host})`;
}

export function totpAad(adminId: string): string {
  return `admins:totp:${adminId}`;
}

export function createAdminCore(deps: AdminDeps): AdminCore {
  return {
    store: createAdminStore(deps.db),
    hasher: createPasswordHasher(deps.config.adminArgon2),
    totp: createTotp({ clock: deps.clock, issuerLabel: totpIssuerLabel(deps.config.issuer) }),
    deps,
  };
}
