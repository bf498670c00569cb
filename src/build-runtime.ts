import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from './config/config.js';
import type { Db } from './db/create-db.js';
import type { Clock } from './clock.js';
import type { Logger } from './logging/logger.js';
import { createSecretBox, type SecretBox } from './security/secret-box.js';
import { createKeyStore, type KeyStore } from './oidc/key-store.js';
import { createProvider } from './oidc/create-provider.js';
import { createApp } from './app.js';
import { createAuditLog, type AuditLog } from './audit/audit-log.js';

export interface RuntimeDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  isShuttingDown?: () => boolean;
}

export interface Runtime {
  app: Koa;
  provider: Provider;
  box: SecretBox;
  keyStore: KeyStore;
  audit: AuditLog;
}

/** Wires services together over an open, migrated database. Shared by main.ts and the tests. */
export async function buildRuntime(deps: RuntimeDeps): Promise<Runtime> {
  const { config, db, clock, logger } = deps;
  const box = createSecretBox(config.encryptionKeys);
  const audit = createAuditLog({ db, clock, logger });
  const keyStore = createKeyStore({ db, box });
  const jwks = await keyStore.ensureKeys();
  const provider = createProvider({ config, db, clock, logger, jwks });
  const app = createApp({ config, db, logger, provider, routers: [], isShuttingDown: deps.isShuttingDown });
  return { app, provider, box, keyStore, audit };
}
