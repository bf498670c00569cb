import { describe, expect, it } from 'vitest';
import { SIGNATURE_LINES } from '../../src/magento/emulator/signature-lines.js';
import { startLinkFixture } from './link-fixture.js';

describe('the token exchange works whichever Magento line verifies it', () => {
  for (const line of SIGNATURE_LINES) {
    it(`${line}: request token and access token are issued after Activate`, async () => {
      const f = await startLinkFixture({ emulator: { signingProfile: line } });
      try {
        const integration = f.emu.createIntegration({ name: 'Warehouse Sync', resources: ['Magento_Catalog::products'] });
        await f.emu.activate(integration.id, f.urls.endpoint_url);
        await f.s.runtime.magento.activation.idle();
        const tokenCalls = f.emu.verdicts.filter((v) => v.path.startsWith('/oauth/token/'));
        expect(tokenCalls.map((v) => [v.path, v.status, v.reason])).toEqual([
          ['/oauth/token/request', 200, 'token_issued'],
          ['/oauth/token/access', 200, 'token_issued'],
        ]);
        expect(await f.s.runtime.magento.links.get(f.clientId)).toMatchObject({ status: 'awaiting_confirmation', hasAccessToken: true });
      } finally {
        await f.close();
      }
    });
  }
});
