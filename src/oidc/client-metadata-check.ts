import Provider, { errors, type Adapter } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import { AppError } from '../errors/app-error.js';
import type { ClientMetadataCheck } from '../clients/client-record.js';
import { toMetadata } from './client-adapter.js';
import { CLIENT_SCHEMA_FEATURES, clientMetadataRules } from './client-metadata-rules.js';
import { validateClientMetadata } from './provider-internals.js';

// oidc-provider's metadata names → the registry's (and CLI's) field names.
const FIELDS: [RegExp, string][] = [
  [/^contacts/, 'contact'],
  [/^client_uri/, 'homepage'],
  [/^jwks_uri/, 'jwks-uri'],
  [/^jwks|JSON Web Key Set/, 'jwks'],
  [/^redirect_uris/, 'redirect-uri'],
  [/^client_name/, 'name'],
];

// The schema never reads or writes storage here.
const noStorage = (): Adapter => {
  const none = async () => undefined;
  return {
    upsert: none,
    find: none,
    findByUid: none,
    findByUserCode: none,
    consume: none,
    destroy: none,
    revokeByGrantId: none,
  };
};

/**
 * Validates a registry client with oidc-provider's own client schema (contacts, URIs, JWKS…), so
 * the CLI never stores a client the provider would then refuse at every request. The provider
 * behind it only validates: built once, on first use, with a throwaway signing key.
 */
export function createClientMetadataCheck(opts: {
  production: boolean;
  apiScopes: readonly string[];
}): ClientMetadataCheck {
  let validator: Promise<Provider> | undefined;
  const apiScopes = new Set(opts.apiScopes);
  const build = async () => {
    // The key store's algorithms: the schema checks the ID token alg against the signing keys.
    const keys = await Promise.all(
      (['RS256', 'ES256'] as const).map(async (alg) => {
        const { privateKey } = await generateKeyPair(alg, { extractable: true });
        return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `check-${alg}` };
      }),
    );
    return new Provider('https://client-metadata-check.invalid', {
      ...clientMetadataRules(),
      adapter: noStorage,
      jwks: { keys: keys as never },
      features: { ...CLIENT_SCHEMA_FEATURES },
    });
  };
  return async (client) => {
    validator ??= build();
    const provider = await validator;
    try {
      await validateClientMetadata(
        provider,
        toMetadata(client, {
          placeholder: 'unused-placeholder-secret-for-validation',
          production: opts.production,
          apiScopes,
        }),
      );
    } catch (err) {
      if (err instanceof errors.InvalidClientMetadata || err instanceof errors.InvalidRedirectUri) {
        const description = (err as { error_description?: string }).error_description ?? err.message;
        const field = FIELDS.find(([pattern]) => pattern.test(description))?.[1];
        throw new AppError(
          'client.invalid',
          `${field ? `${field}: ` : ''}${description} (oidc-provider's client metadata rules)`,
          400,
        );
      }
      throw err;
    }
  };
}
