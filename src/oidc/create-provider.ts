import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { Config } from '../config/config.js';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { createAdapterFactory } from './postgres-adapter.js';
import { renderProviderError } from './render-provider-error.js';

export interface ProviderDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  jwks: JWK[];
  findAccount?: Configuration['findAccount'];
}

/** Assembles oidc-provider with our storage, keys and pages; no development defaults survive. */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, db, clock } = deps;
  const configuration: Configuration = {
    adapter: createAdapterFactory({ db, clock }),
    // Private JWKs from our key store; never oidc-provider's development keys.
    jwks: { keys: deps.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: [...config.cookieKeys],
      long: { secure: config.production, sameSite: 'lax' },
      short: { secure: config.production, sameSite: 'lax' },
    },
    findAccount: deps.findAccount ?? (async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) })),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    renderError: renderProviderError,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      IdToken: 3600,
      Interaction: 15 * 60,
      Session: 8 * 3600,
      Grant: 180 * 24 * 3600,
      RefreshToken: 30 * 24 * 3600,
    },
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  return provider;
}

export type { Provider, KoaContextWithOIDC };
