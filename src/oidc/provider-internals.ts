// Every use of oidc-provider behaviour its documentation does not promise, in one place, typed.
// Checked against oidc-provider 9.13.3 (paths are in node_modules/oidc-provider/lib);
// test/oidc/provider-internals.test.ts fails when an upgrade breaks one of them.
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/** oidc-provider's Client model as a value: instances carry our extra metadata under its snake_case names. */
type ProviderClient = NonNullable<KoaContextWithOIDC['oidc']['client']>;

/**
 * The context of the request being handled (lib/provider.js `static get ctx()`, an AsyncLocalStorage),
 * for adapter code that oidc-provider calls without a ctx argument. Undefined outside a request.
 */
export function currentContext(): KoaContextWithOIDC | undefined {
  return (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
}

/**
 * Client secrets are stored as keyed hashes, so the provider's own comparison (lib/models/client.js
 * `compareClientSecret`, called by lib/shared/client_auth.js) is replaced with ours.
 */
export function useClientSecretCheck(
  provider: Provider,
  verify: (clientId: string, secret: string) => Promise<boolean>,
) {
  const proto = provider.Client.prototype as unknown as {
    compareClientSecret(this: { clientId: string }, actual: string): Promise<boolean>;
  };
  proto.compareClientSecret = function compareClientSecret(actual: string) {
    return verify(this.clientId, actual);
  };
}

/** Runs the provider's client schema on metadata without storing it (lib/models/client.js `static validate`). */
export async function validateClientMetadata(provider: Provider, metadata: Record<string, unknown>): Promise<void> {
  await (provider.Client as unknown as { validate(m: Record<string, unknown>): Promise<unknown> }).validate(metadata);
}

/** The refresh token a rotation just consumed (set by lib/actions/grants/refresh_token.js). */
export function rotatedRefreshToken(ctx: KoaContextWithOIDC): { jti?: string; grantId?: string } | undefined {
  return ctx.oidc.entities.RotatedRefreshToken as { jti?: string; grantId?: string } | undefined;
}

/** One of our extraClientMetadata properties as the Client instance holds it (lib/models/client.js). */
export function clientExtra<T>(client: ProviderClient | undefined, name: string): T | undefined {
  return (client as unknown as Record<string, T | undefined> | undefined)?.[name];
}

/** What oidc-provider's error events carry (its OIDCProviderError, or any error for server_error). */
export type ProviderError = Error & {
  error?: string;
  error_detail?: string;
  error_description?: string;
  status?: number;
};

/** Error events whose listener gets (ctx, err): typed here because @types/oidc-provider types them loosely. */
export function onProviderError(
  provider: Provider,
  name: 'authorization.error' | 'introspection.error' | 'revocation.error' | 'server_error',
  listener: (ctx: KoaContextWithOIDC, err: ProviderError) => void,
): void {
  (provider as unknown as { on(n: string, l: typeof listener): void }).on(name, listener);
}
