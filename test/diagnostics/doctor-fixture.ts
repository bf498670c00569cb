// The doctor's test setup: a Magento emulator (with the faults a test asks for) and a bridge
// pointed at it, on one fake clock; `doctor` run through the real CLI.
import { startMagentoEmulator, type MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import type { StoreFaults } from '../../tools/magento-emulator/store-faults.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';
import { linkToEmulator } from '../support/linked-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

export interface DoctorCheck {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  fix: string;
  details: Record<string, unknown>;
}

export interface DoctorFixture {
  s: TestServer;
  emu: MagentoEmulator;
  doctor(...args: string[]): Promise<{ code: number; checks: DoctorCheck[]; out: string; err: string }>;
  /** The one result with this id (of this client, for per-client checks). */
  check(checks: DoctorCheck[], id: string, clientId?: string): DoctorCheck;
  /** A client_credentials client with these scopes, linked to a fresh integration. */
  linkedClient(o?: { scopes?: string[]; resources?: string[]; mode?: 'oauth1' | 'bearer' }): Promise<string>;
  close(): Promise<void>;
}

/** What a healthy store serves that the emulator leaves off by default. */
export const HEALTHY: StoreFaults = { magentoVersion: '2.4' };

export async function startDoctorFixture(
  o: {
    faults?: StoreFaults;
    bearerEnabled?: boolean;
    env?: Record<string, string>;
    /** Point the bridge elsewhere than the emulator (a dead port…). */
    magentoBaseUrl?: (emu: MagentoEmulator) => string;
  } = {},
): Promise<DoctorFixture> {
  let s: TestServer | undefined;
  const emu = await startMagentoEmulator({
    clock: { now: () => (s ? s.clock.now() : Date.now()) },
    bearerEnabled: o.bearerEnabled,
    faults: { ...HEALTHY, ...o.faults },
  });
  s = await startTestServer({
    env: { MAGENTO_BASE_URL: o.magentoBaseUrl?.(emu) ?? emu.storeBaseUrl, ...o.env },
  });
  const server = s;
  return {
    s: server,
    emu,
    async doctor(...args) {
      const r = await runCliInProcess(['doctor', '--json', ...args], () => serverCliContext(server));
      let checks: DoctorCheck[];
      try {
        checks = (JSON.parse(r.out) as { checks: DoctorCheck[] }).checks;
      } catch {
        throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.out}\n${r.err}`);
      }
      return { code: r.code, checks, out: r.out, err: r.err };
    },
    check(checks, id, clientId) {
      const found = checks.filter((c) => c.id === id && (clientId === undefined || c.details.client_id === clientId));
      if (found.length !== 1) throw new Error(`${found.length} results for ${id}: ${JSON.stringify(checks, null, 1)}`);
      return found[0]!;
    },
    async linkedClient(l = {}) {
      const { client } = await server.runtime.clients.create({
        name: 'Stock sync',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: l.scopes ?? ['catalog:read'],
      });
      await linkToEmulator(server, emu, client.clientId, { mode: l.mode, resources: l.resources });
      return client.clientId;
    },
    async close() {
      await server.close();
      await emu.close();
    },
  };
}
