import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer } from '../support/test-server.js';
import { linkedClient } from '../support/linked-client.js';

type Line = '2.4-develop' | '2.4-urifix' | '2.4-laminas';

/** A call whose base string differs between the lines: each line refuses the others' signature. */
const PICKY: Record<Line, string> = {
  '2.4-develop': '/rest/V1/products?searchCriteria%5BpageSize%5D=5&flag&q=a.b',
  '2.4-urifix': '/rest/V1/products/ABC%2F10',
  '2.4-laminas': '/rest/V1/products/ABC%2F10',
};

async function setup(line: Line, env: Record<string, string> = {}) {
  const emu = await startMagentoEmulator({ signingProfile: line });
  const s = await startTestServer({
    env: {
      MAGENTO_BASE_URL: emu.storeBaseUrl,
      ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE,
      MAGENTO_SIGNING_PROFILE: 'auto',
      ...env,
    },
  });
  const { clientId, token } = await linkedClient(s, emu, { name: 'ERP', scopes: ['catalog:read'] });
  const get = (path: string) => s.request.get(path).set('Authorization', `Bearer ${token}`);
  const stored = async () =>
    (await s.testDb.db('magento_signing_profiles').where({ client_id: clientId }).first())?.profile ?? null;
  return {
    emu,
    s,
    clientId,
    get,
    stored,
    close: async () => {
      await s.close();
      await emu.close();
    },
  };
}

const signatureVerdicts = (emu: MagentoEmulator) => emu.verdicts.filter((v) => v.path.startsWith('/rest/V1/products'));

describe('MAGENTO_SIGNING_PROFILE=auto', () => {
  for (const line of ['2.4-develop', '2.4-urifix', '2.4-laminas'] as Line[]) {
    describe(`against a store on ${line}`, () => {
      let f: Awaited<ReturnType<typeof setup>>;
      beforeAll(async () => (f = await setup(line)));
      afterAll(() => f.close());

      it('detects the line at the first call, stores it, and signs the picky call that line checks', async () => {
        const first = await f.get('/rest/V1/products/ABC');
        expect(first.status).not.toBe(401);
        await f.s.runtime.signingProfiles.idle();
        expect(await f.stored()).toBe(line);
        await f.s.runtime.audit.flush();
        const audit = await f.s.testDb
          .db('audit_events')
          .where({ type: 'magento.signing_profile_detected', client_id: f.clientId });
        expect(audit).toHaveLength(1);
        const picky = await f.get(PICKY[line]);
        expect(picky.status, JSON.stringify(picky.body)).not.toBe(401);
        expect(signatureVerdicts(f.emu).at(-1)).toMatchObject({ ok: true });
      });
    });
  }

  it('a store upgrade (another line) is found again after Magento refuses a call, without an admin', async () => {
    const f = await setup('2.4-develop');
    try {
      await f.get('/rest/V1/products/ABC');
      await f.s.runtime.signingProfiles.idle();
      expect(await f.stored()).toBe('2.4-develop');
      f.emu.setSigningProfile('2.4-laminas');
      f.s.clock.advance(61_000);
      const refused = await f.get(PICKY['2.4-laminas']);
      expect(refused.status).toBe(401); // signed for 2.4-develop: the upgraded store refuses it once
      await f.s.runtime.signingProfiles.idle();
      expect(await f.stored()).toBe('2.4-laminas');
      f.s.clock.advance(31_000); // past the per-process cache
      const again = await f.get(PICKY['2.4-laminas']);
      expect(again.status, JSON.stringify(again.body)).not.toBe(401);
      expect(signatureVerdicts(f.emu).at(-1)).toMatchObject({ ok: true });
    } finally {
      await f.close();
    }
  });

  it('a request the store line cannot verify at all gets 400 from the bridge, and Magento is not called', async () => {
    const f = await setup('2.4-develop');
    try {
      await f.get('/rest/V1/products/ABC');
      await f.s.runtime.signingProfiles.idle();
      const before = f.emu.verdicts.length;
      const res = await f.get('/rest/V1/products?0=x');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request' });
      expect(res.body.message ?? res.body.error_description, JSON.stringify(res.body)).toMatch(
        /numeric parameter name "0"/,
      );
      expect(f.emu.verdicts.length).toBe(before);
    } finally {
      await f.close();
    }
  });
});

describe('MAGENTO_SIGNING_PROFILE set explicitly', () => {
  it('signs by that line and never probes', async () => {
    const f = await setup('2.4-laminas', { MAGENTO_SIGNING_PROFILE: '2.4-laminas' });
    try {
      const res = await f.get(PICKY['2.4-laminas']);
      expect(res.status, JSON.stringify(res.body)).not.toBe(401);
      await f.s.runtime.signingProfiles.idle();
      expect(f.emu.verdicts.filter((v) => v.path.includes('bridge-probe'))).toHaveLength(0);
      expect(await f.stored()).toBeNull();
    } finally {
      await f.close();
    }
  });

  it('a wrong explicit line is refused by the store (the test can fail)', async () => {
    const f = await setup('2.4-laminas', { MAGENTO_SIGNING_PROFILE: '2.4-develop' });
    try {
      const res = await f.get(PICKY['2.4-laminas']);
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).toMatch(/signature is invalid/);
    } finally {
      await f.close();
    }
  });
});
