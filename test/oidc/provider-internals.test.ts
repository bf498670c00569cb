// The oidc-provider behaviour src/oidc/provider-internals.ts relies on without a documented promise:
// each check fails when an upgrade changes it.
import Provider, { errors } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientExtra,
  currentContext,
  onProviderError,
  validateClientMetadata,
  type ProviderError,
} from '../../src/oidc/provider-internals.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { catalogReader } from '../support/oauth-flows.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.close());

describe('oidc-provider internals', () => {
  it('Provider.ctx is the request being handled, and nothing outside one', async () => {
    expect(currentContext()).toBeUndefined();
    const same: boolean[] = [];
    onProviderError(s.runtime.provider, 'authorization.error', (ctx) => same.push(currentContext() === ctx));
    await s.request.get('/auth').query({ client_id: 'nobody-ctx', response_type: 'code', scope: 'openid' });
    expect(same).toEqual([true]);
  });

  it('Client.prototype.compareClientSecret exists to be replaced, and the replacement decides', async () => {
    const bare = new Provider('https://bare.invalid', {});
    expect(typeof (bare.Client.prototype as unknown as Record<string, unknown>).compareClientSecret).toBe('function');
    const { secret, token } = await catalogReader(s, 'Secret Check');
    expect((await token(secret)).status).toBe(200);
    expect((await token(`${secret}x`)).status).toBe(401);
  });

  it('Client.validate checks metadata without storing it', async () => {
    const provider = s.runtime.provider;
    await expect(
      validateClientMetadata(provider, {
        client_id: 'v1',
        redirect_uris: ['not a url'],
        token_endpoint_auth_method: 'none',
      }),
    ).rejects.toSatisfy((e) => e instanceof errors.InvalidClientMetadata || e instanceof errors.InvalidRedirectUri);
    await expect(
      validateClientMetadata(provider, {
        client_id: 'v2',
        redirect_uris: ['https://app.example/cb'],
        token_endpoint_auth_method: 'none',
      }),
    ).resolves.toBeUndefined();
    expect(await provider.Client.find('v2')).toBeUndefined();
  });

  it('extra client metadata is readable on the Client instance under its own name', async () => {
    const { client } = await s.runtime.clients.create({
      name: 'Browser App',
      type: 'public',
      redirectUris: ['https://spa.example/cb'],
      scopes: ['catalog:read'],
      corsOrigins: ['https://spa.example'],
    });
    const found = await s.runtime.provider.Client.find(client.clientId);
    expect(clientExtra<string[]>(found as never, 'cors_origins')).toEqual(['https://spa.example']);
  });

  it('error events hand the listener (ctx, err)', async () => {
    const seen: { route?: string; error?: string }[] = [];
    onProviderError(s.runtime.provider, 'authorization.error', (ctx, err: ProviderError) => {
      seen.push({ route: ctx.oidc?.route, error: err.error });
    });
    await s.request.get('/auth').query({ client_id: 'nobody', response_type: 'code', scope: 'openid' });
    expect(seen).toContainEqual({ route: 'authorization', error: 'invalid_client' });
  });
});
