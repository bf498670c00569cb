// Budgets and blocks hold across instances: on the server's PostgreSQL (two real server processes on
// one database) and on Redis (REDIS_URL; two instances, each with its own connection).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { catalogReader, startSibling } from '../support/oauth-flows.js';
import { startSiblingProcess } from '../support/sibling-process.js';

const onPostgres = Boolean(process.env.DATABASE_URL);
const LIMITS = {
  TRUST_PROXY: 'true',
  TOKEN_RATE_LIMIT_PER_IP: '4/hour',
  BLOCK_AFTER_REFUSALS: '2',
  BLOCK_DURATION_S: '3600',
};

/** Polls until `probe` answers `status` (a block reaches the other instance by notification). */
async function eventually(probe: () => Promise<number>, status: number, withinMs = 2000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const got = await probe();
    if (got === status) return;
    if (Date.now() - started > withinMs) throw new Error(`still ${got} after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tokenRequest = (baseUrl: string, c: { clientId: string; secret: string }, ip: string) =>
  supertest(baseUrl)
    .post('/token')
    .auth(c.clientId, c.secret)
    .type('form')
    .set('X-Forwarded-For', ip)
    .send({ grant_type: 'client_credentials', scope: 'catalog:read' });

describe.skipIf(!onPostgres)('two server processes on one PostgreSQL share budgets and blocks', () => {
  let a: TestServer;
  let b: Awaited<ReturnType<typeof startSiblingProcess>>['proc'];
  let bUrl: string;
  beforeAll(async () => {
    a = await startTestServer({ env: LIMITS });
    ({ proc: b, url: bUrl } = await startSiblingProcess(a, LIMITS));
  }, 60_000);
  afterAll(async () => {
    b?.child.kill('SIGTERM');
    await b?.exited;
    await a?.close();
  });

  it('4 token requests per IP in all, wherever they land; the block made on one is kept by the other', async () => {
    const c = await catalogReader(a, 'shared budget');
    const ip = '198.51.100.23';
    const onA = () => {
      a.clock.set(Date.now()); // the process B runs on the real clock: the same window
      return c.token(c.secret).set('X-Forwarded-For', ip);
    };
    const onB = () => tokenRequest(bUrl, c, ip);
    const statuses = [(await onA()).status, (await onB()).status, (await onA()).status, (await onB()).status];
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect((await onB()).status).toBe(429);
    expect((await onA()).status).toBe(429);
    // The third refusal (on B) blocks the address: A refuses it everywhere, its pages too.
    expect((await onB()).status).toBe(429);
    await eventually(
      async () => (await a.request.get('/.well-known/openid-configuration').set('X-Forwarded-For', ip)).status,
      429,
    );
    const [block] = await a.runtime.blocks.list();
    expect(block).toMatchObject({ kind: 'ip', subject: ip, scope: 'all' });
    // Cleared on A: B lets the address in again, within the notification's delay.
    await a.runtime.blocks.clear({ kind: 'ip', subject: ip }, 'test');
    await eventually(
      async () => (await supertest(bUrl).get('/.well-known/openid-configuration').set('X-Forwarded-For', ip)).status,
      200,
    );
  });
});

// On PostgreSQL the second instance is a real server process; the embedded database is one process's,
// so there it is a second runtime in this process (each with its own Redis connection and memory).
describe('two instances on one Redis (REDIS_URL) share budgets and blocks', () => {
  let a: TestServer;
  let sibling: TestServer | null = null;
  let b: Awaited<ReturnType<typeof startSiblingProcess>> | null = null;
  let bUrl: string;
  beforeAll(async () => {
    // Its own key space on the machine's Redis: test files run side by side.
    const prefix = `t${randomBytes(6).toString('hex')}`;
    const env = { ...LIMITS, REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_KEY_PREFIX: prefix };
    a = await startTestServer({ env });
    if (onPostgres) ({ url: bUrl } = b = await startSiblingProcess(a, env));
    else bUrl = (sibling = await startSibling(a, env)).baseUrl;
  }, 60_000);
  afterAll(async () => {
    b?.proc.child.kill('SIGTERM');
    await b?.proc.exited;
    await sibling?.close();
    await a?.close();
  });

  it('counts in Redis: the fifth request is refused on either instance; the block reaches the other', async () => {
    expect(a.runtime.limiter.store).toBe('redis');
    const c = await catalogReader(a, 'redis budget');
    const ip = '203.0.113.50';
    const onA = () => {
      a.clock.set(Date.now()); // the other instance may run on the real clock: the same window
      return tokenRequest(a.baseUrl, c, ip);
    };
    const onB = () => {
      sibling?.clock.set(Date.now());
      return tokenRequest(bUrl, c, ip);
    };
    const statuses = [];
    for (const call of [onA, onB, onA, onB, onA, onB]) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect((await onA()).status).toBe(429); // third refusal: blocked
    await eventually(
      async () => (await supertest(bUrl).get('/.well-known/openid-configuration').set('X-Forwarded-For', ip)).status,
      429,
    );
  });
});
