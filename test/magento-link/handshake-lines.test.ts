import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_LINES } from '../../tools/magento-emulator/signature-lines.js';
import { startLinkFixture, type LinkFixture } from '../support/magento-link-fixture.js';

describe('the token exchange works whichever Magento line verifies it', () => {
  let f: LinkFixture;
  let integrationId: number;
  beforeAll(async () => {
    f = await startLinkFixture();
    integrationId = f.emu.createIntegration({ name: 'Warehouse Sync', resources: ['Magento_Catalog::products'] }).id;
  });
  afterAll(() => f.close());

  // One integration, activated then reauthorized once per line (a store that changes lines keeps its integrations).
  it.each(SIGNATURE_LINES.map((line) => [line]))(
    '%s: request token and access token are issued after Activate',
    async (line) => {
      f.emu.setSigningProfile(line);
      const before = f.emu.verdicts.length;
      await f.emu.activate(integrationId, f.urls.endpoint_url);
      await f.s.runtime.activation.idle();
      const tokenCalls = f.emu.verdicts.slice(before).filter((v) => v.path.startsWith('/oauth/token/'));
      expect(tokenCalls.map((v) => [v.path, v.status, v.reason])).toEqual([
        ['/oauth/token/request', 200, 'token_issued'],
        ['/oauth/token/access', 200, 'token_issued'],
      ]);
      expect(await f.s.runtime.links.get(f.clientId)).toMatchObject({ hasAccessToken: true, lastError: null });
    },
  );
});
