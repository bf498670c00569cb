import { expect } from 'vitest';
import type { MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import type { TestServer } from './test-server.js';

/** Links an existing client to a fresh emulator integration (every resource unless given), active at once. */
export async function linkToEmulator(
  s: TestServer,
  emu: MagentoEmulator,
  clientId: string,
  o: { mode?: 'oauth1' | 'bearer'; resources?: string[] } = {},
): Promise<void> {
  const t = emu.issueAccessToken(emu.createIntegration(o.resources ? { resources: o.resources } : { all: true }).id);
  await s.runtime.links.ensure(clientId);
  await s.runtime.links.importActive(
    clientId,
    {
      mode: o.mode ?? 'oauth1',
      consumerKey: t.consumerKey,
      consumerSecret: t.consumerSecret,
      token: t.accessToken,
      tokenSecret: t.accessTokenSecret,
      storeBaseUrl: emu.storeBaseUrl,
    },
    'test',
  );
}

/**
 * A client_credentials client whose Magento link is active (an emulator integration granted every
 * resource, imported), and an access token for `scopes`: the setup of most gateway tests.
 */
export async function linkedClient(
  s: TestServer,
  emu: MagentoEmulator,
  o: { name: string; scopes: string[]; corsOrigins?: string[] },
): Promise<{ clientId: string; secret: string; token: string }> {
  const { client, clientSecret } = await s.runtime.clients.create({
    name: o.name,
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: o.scopes,
    ...(o.corsOrigins ? { corsOrigins: o.corsOrigins } : {}),
  });
  await linkToEmulator(s, emu, client.clientId);
  const res = await s.request
    .post('/token')
    .auth(client.clientId, clientSecret!)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: o.scopes.join(' ') });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { clientId: client.clientId, secret: clientSecret!, token: res.body.access_token as string };
}
