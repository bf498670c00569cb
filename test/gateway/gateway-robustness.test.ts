import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkedClient } from '../support/linked-client.js';

// One client must not be able to hold the upstream pool or end the process (issue 10).
let emu: MagentoEmulator;

async function startGateway(env: Record<string, string>): Promise<TestServer> {
  return startTestServer({
    env: { MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE, ...env },
  });
}

const linked = (s: TestServer, name: string) =>
  linkedClient(s, emu, { name, scopes: ['catalog:read', 'catalog:write'] });

function rawSocket(s: TestServer): Promise<Socket> {
  const { port } = new URL(s.baseUrl);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => resolve(sock));
    sock.on('error', reject);
  });
}

/**
 * Waits until the gateway has finished and audited `n` calls of the client: bounded well below
 * GATEWAY_TIMEOUT_MS (60 s here), so a call held until the timeout fails the test, while a
 * loaded machine has time to authenticate them all.
 */
async function auditedCalls(
  s: TestServer,
  clientId: string,
  n: number,
  withinMs = 40_000,
): Promise<Record<string, unknown>[]> {
  const until = performance.now() + withinMs;
  for (;;) {
    const rows = await s.testDb
      .db('audit_events')
      .where({ client_id: clientId })
      .whereIn('type', ['gateway.call', 'gateway.denied']);
    if (rows.length >= n || performance.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const closed = (sock: Socket) => new Promise<void>((r) => (sock.destroyed ? r() : sock.once('close', () => r())));

async function timedGet(s: TestServer, path: string, token: string) {
  const t0 = performance.now();
  const res = await s.request.get(path).set('Authorization', `Bearer ${token}`).timeout(20_000);
  return { res, ms: performance.now() - t0 };
}

beforeAll(async () => {
  emu = await startMagentoEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe('gateway: one client cannot starve the others', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startGateway({ GATEWAY_MAX_CONNECTIONS: '8', GATEWAY_TIMEOUT_MS: '60000' });
  });
  afterAll(async () => s?.close());

  it('a body followed by a malformed request on the same connection frees its Magento call at once', async () => {
    const attacker = await linked(s, 'attacker');
    const other = await linked(s, 'other');
    const body = JSON.stringify({ product: { name: 'x' } });
    const sockets = await Promise.all(Array.from({ length: 60 }, () => rawSocket(s)));
    // Half ask for a large answer (it would sit unread in the pool), half send a JSON update.
    const targets = ['GET /rest/V1/test/large?mb=2', 'PUT /rest/V1/products/ABC%2F10'];
    sockets.forEach((sock, i) => {
      sock.on('data', () => undefined);
      sock.on('error', () => undefined);
      sock.write(
        `${targets[i % 2]} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ` +
          `${attacker.token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body}NOT HTTP AT ALL\r\n\r\n`,
      );
    });
    await Promise.all(sockets.map(closed));
    // Every attack call is finished (not held until GATEWAY_TIMEOUT_MS) …
    expect(await auditedCalls(s, attacker.clientId, 60)).toHaveLength(60);
    // … and another client, and the attacker itself, are answered at once: nothing holds the pool.
    const first = await timedGet(s, '/rest/V1/products/ABC%2F10', other.token);
    expect(first.res.status, JSON.stringify(first.res.body)).toBe(200);
    expect(first.res.body.sku).toBe('ABC/10');
    expect(first.ms).toBeLessThan(3000);
    const again = await timedGet(s, '/rest/V1/products/ABC%2F10', attacker.token);
    expect(again.res.status, JSON.stringify(again.res.body)).toBe(200);
    expect(again.ms).toBeLessThan(3000);
  }, 90_000);

  it(
    'a client holding its share of upstream connections gets 429 + Retry-After; another client is not ' + 'delayed',
    async () => {
      const greedy = await linked(s, 'greedy');
      const polite = await linked(s, 'polite');
      // 8 connections → 2 per client by default. Without the cap, 10 slow calls (6 s) would hold
      // the whole pool and the polite client would wait for one of them to finish.
      const slow = Array.from({ length: 10 }, () => timedGet(s, '/rest/V1/test/slow?ms=6000', greedy.token));
      await new Promise((r) => setTimeout(r, 500));
      const polite1 = await timedGet(s, '/rest/V1/products/ABC%2F10', polite.token);
      expect(polite1.res.status).toBe(200);
      expect(polite1.ms).toBeLessThan(3000);
      const results = await Promise.all(slow);
      const statuses = results.map((r) => r.res.status).sort();
      expect(statuses).toEqual([200, 200, ...Array(8).fill(429)]);
      const refused = results.find((r) => r.res.status === 429)!;
      expect(refused.ms).toBeLessThan(3000); // refused at once, not queued behind the 6 s calls
      expect(refused.res.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.res.headers['x-bridge-source']).toBe('bridge');
      expect(refused.res.body).toEqual({ error: 'too_many_requests', message: expect.stringMatching(/in flight/) });
      // Its slots come back once its calls finish.
      expect((await timedGet(s, '/rest/V1/products/ABC%2F10', greedy.token)).res.status).toBe(200);
    },
  );
});

describe('gateway: no client input ends the process', () => {
  let s: TestServer;
  beforeAll(async () => {
    // A small pool and no per-client cap, so most of these requests wait in the upstream queue.
    s = await startGateway({
      GATEWAY_MAX_CONNECTIONS: '4',
      GATEWAY_MAX_CONNECTIONS_PER_CLIENT: '1000',
      GATEWAY_TIMEOUT_MS: '60000',
    });
  });
  afterAll(async () => s?.close());

  it('100 half-sent request bodies closed at once, then a normal call', async () => {
    const { clientId, token } = await linked(s, 'half-sender');
    const unhandled: unknown[] = [];
    const onError = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    try {
      const sockets = await Promise.all(Array.from({ length: 100 }, () => rawSocket(s)));
      for (const sock of sockets) {
        sock.on('error', () => undefined);
        sock.write(
          `PUT /rest/V1/products/ABC%2F10 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ` +
            `${token}\r\nContent-Type: application/json\r\n` +
            `Content-Length: 1000\r\n\r\n{"product":{"name":"${'y'.repeat(400)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500)); // all forwarded or queued for Magento
      for (const sock of sockets) sock.destroy();
      // Each one ends as soon as its caller is gone, wherever it was (authenticating, queued, sending).
      const rows = await auditedCalls(s, clientId, 100);
      expect(rows).toHaveLength(100);
      expect(rows.map((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details).reason)).toEqual(
        Array(100).fill('client_closed'),
      );
      const { res, ms } = await timedGet(s, '/rest/V1/products/ABC%2F10', token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.sku).toBe('ABC/10');
      expect(ms).toBeLessThan(3000);
    } finally {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    }
    expect(unhandled).toEqual([]);
  }, 90_000);
});
