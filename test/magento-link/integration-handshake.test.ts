import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startMagentoEmulator,
  type ActivationPayload,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { MagentoHandshakeError, performIntegrationHandshake } from '../../src/magento-link/integration-handshake.js';
import { signRequest } from '../../src/oauth1/oauth1-signer.js';

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The app's Endpoint URL: records Magento's activation POST and answers 200 at once. */
async function startEndpoint() {
  const received: ActivationPayload[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(Object.fromEntries(new URLSearchParams(body)) as unknown as ActivationPayload);
      res.end('ok');
    });
  });
  return { url: `${await listen(server)}/magento/endpoint`, received, close: () => server.close() };
}

/** A flaky front for the emulator: fails the first `failures` requests (503 or dropped socket). */
async function startFlakyProxy(target: string, failures: number, mode: '503' | 'drop') {
  let seen = 0;
  const server = createServer((req, res) => {
    if (seen++ < failures) {
      if (mode === 'drop') return req.socket.destroy();
      res.writeHead(503).end('Service Unavailable');
      return;
    }
    const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  const url = await listen(server);
  return { url: `${url}/`, attempts: () => seen, close: () => server.close() };
}

describe('performIntegrationHandshake against the emulator', () => {
  let emu: MagentoEmulator;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  const cleanup: Array<() => void> = [];
  beforeAll(async () => {
    emu = await startMagentoEmulator();
    endpoint = await startEndpoint();
  });
  afterEach(() => cleanup.splice(0).forEach((f) => f()));
  afterAll(async () => {
    endpoint.close();
    await emu.close();
  });

  async function activate(resources = ['Magento_Catalog::products']) {
    const integration = emu.createIntegration({ resources });
    await emu.activate(integration.id, endpoint.url);
    return { integration, payload: endpoint.received.at(-1)! };
  }
  const input = (p: ActivationPayload, storeBaseUrl = p.store_base_url) => ({
    storeBaseUrl,
    consumerKey: p.oauth_consumer_key,
    consumerSecret: p.oauth_consumer_secret,
    verifier: p.oauth_verifier,
  });

  it('receives the activation POST and obtains a working access token', async () => {
    const { integration, payload } = await activate();
    expect(payload.store_base_url).toBe(emu.storeBaseUrl);
    expect(payload.oauth_verifier).toMatch(/^[0-9a-z]{32}$/);
    const tokens = await performIntegrationHandshake(input(payload));
    expect(emu.getIntegration(integration.id).status).toBe('active');
    const url = `${emu.baseUrl}/rest/V1/products/MB-01`;
    const { authorization } = signRequest({
      method: 'GET',
      url,
      consumerKey: payload.oauth_consumer_key,
      consumerSecret: payload.oauth_consumer_secret,
      token: tokens.accessToken,
      tokenSecret: tokens.accessTokenSecret,
    });
    expect((await fetch(url, { headers: { authorization } })).status).toBe(200);
  });

  it('maps oauth_problem to an error with Magento text and status, without retrying', async () => {
    const { payload } = await activate();
    const err = await performIntegrationHandshake({ ...input(payload), verifier: 'z'.repeat(32) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MagentoHandshakeError);
    expect(err).toMatchObject({
      status: 401,
      problem: 'Token verifier and verifier token do not match',
      step: 'access',
      transient: false,
    });
  });

  it('reports an expired consumer (activation more than 300 s ago)', async () => {
    const { integration, payload } = await activate();
    // This emulator runs on the real clock: move the activation 301 s into the past.
    emu.getIntegration(integration.id).activatedAt = Date.now() - 301_000;
    await expect(performIntegrationHandshake(input(payload))).rejects.toMatchObject({
      status: 401,
      problem: 'Consumer key has expired',
    });
  });

  it('retries 5xx and dropped connections with backoff, then succeeds', async () => {
    for (const mode of ['503', 'drop'] as const) {
      const { payload } = await activate();
      const proxy = await startFlakyProxy(emu.baseUrl, 2, mode);
      cleanup.push(proxy.close);
      const delays: number[] = [];
      const tokens = await performIntegrationHandshake(input(payload, proxy.url), {
        sleep: async (ms) => void delays.push(ms),
        baseDelayMs: 100,
      });
      expect(tokens.accessToken).toMatch(/^[0-9a-z]{32}$/);
      expect(delays).toEqual([100, 200]);
      expect(proxy.attempts()).toBe(4);
    }
  });

  it('gives up when the 300 s window after activation would be exceeded', async () => {
    const { payload } = await activate();
    const proxy = await startFlakyProxy(emu.baseUrl, 1_000, '503');
    cleanup.push(proxy.close);
    let now = 1_000_000;
    const err = await performIntegrationHandshake(input(payload, proxy.url), {
      clock: { now: () => now },
      sleep: async (ms) => void (now += ms),
      activatedAt: now,
      baseDelayMs: 1_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, transient: true, step: 'request' });
    expect((err as Error).message).toMatch(/gave up/);
    expect(now - 1_000_000).toBeLessThan(300_000);
    expect(proxy.attempts()).toBeGreaterThan(5);
  });
});
