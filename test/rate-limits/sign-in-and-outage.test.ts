// The sign-in pages' per-account budget (one account guessed from many addresses), the blocks CLI,
// and what happens while the limiter's store is down: the token endpoint and sign-in refuse
// (fail-closed, the default), the gateway lets calls through (fail-open) and the outage is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { startTestServer } from '../support/test-server.js';
import { Browser, PASSWORD, authorizationUrl, createAdmin, createClient, heading } from '../support/page-flows.js';
import { catalogReader } from '../support/oauth-flows.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';

describe('per-account sign-in budget and the blocks CLI', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { TRUST_PROXY: 'true', LOGIN_RATE_LIMIT_PER_ACCOUNT: '3/15min' } });
  });
  afterAll(() => s.close());
  const cli = (...argv: string[]) => runCliInProcess(argv, () => serverCliContext(s));

  it('the 4th password POST for one username is 429 even from a new address; another username is not', async () => {
    const { clientId } = await createClient(s);
    const attempt = async (ip: string, username: string) => {
      const b = new Browser(s.baseUrl, { 'X-Forwarded-For': ip });
      const login = await b.go('GET', authorizationUrl(s, clientId).url);
      return b.submit(login, 'login', { username, password: 'guess' });
    };
    const statuses = [];
    for (let i = 1; i <= 3; i++) statuses.push((await attempt(`198.51.100.${i}`, 'Owner')).status);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await attempt('198.51.100.9', 'owner'); // case does not make a new account
    expect(limited.status).toBe(429);
    expect(heading(limited.html)).toBe('Too many attempts');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt('198.51.100.9', 'someone-else')).status).toBe(401);
    await s.runtime.audit.flush();
    const [row] = await s.runtime.audit.list({ type: 'security.rate_limited' });
    expect(row).toMatchObject({ ip: '198.51.100.9', details: { limit: 'sign-in-account' } });

    // The code step counts against the same account: its password is right, its budget is not.
    await createAdmin(s, 'coder');
    const b = new Browser(s.baseUrl, { 'X-Forwarded-For': '192.0.2.50' });
    const login = await b.go('GET', authorizationUrl(s, clientId).url);
    const codePage = await b.submit(login, 'login', { username: 'coder', password: PASSWORD });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await b.submit(codePage, 'totp', { code: '000000' })).status);
    expect(codes).toEqual([401, 401, 429]);
  });

  it('blocks:add, blocks:list and blocks:clear (by id), each audited; bad input is a usage error', async () => {
    const added = await cli('blocks:add', '--ip', '203.0.113.66', '--duration', '600', '--reason', 'scanner', '--json');
    expect(added.code).toBe(0);
    const block = JSON.parse(added.out);
    expect(block).toMatchObject({ kind: 'ip', subject: '203.0.113.66', scope: 'all', reason: 'scanner' });
    expect(
      (await s.request.get('/.well-known/openid-configuration').set('X-Forwarded-For', '203.0.113.66')).status,
    ).toBe(429);
    const listed = await cli('blocks:list');
    expect(listed.out).toContain('203.0.113.66');
    expect(listed.out).toContain('scanner (by cli)');
    expect((await cli('blocks:clear', '--id', block.id)).out).toBe('cleared 1 block(s)');
    expect(
      (await s.request.get('/.well-known/openid-configuration').set('X-Forwarded-For', '203.0.113.66')).status,
    ).toBe(200);
    expect((await cli('blocks:list')).out).toBe('no active blocks');
    await s.runtime.audit.flush();
    expect((await s.runtime.audit.list({ type: 'security.block_cleared' }))[0]).toMatchObject({
      actor: 'cli',
      ip: '203.0.113.66',
    });

    const bad = await cli('blocks:add', '--ip', 'not-an-ip');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('not an IPv4 or IPv6 address');
    expect((await cli('blocks:clear')).code).toBe(2);
  });
});

describe('while the limiter store is down', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Nothing listens on port 1: every call to the store fails at once.
    s = await startTestServer({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(() => s.close());

  it('the token endpoint refuses with 503 temporarily_unavailable (fail-closed) and the outage is audited', async () => {
    const c = await catalogReader(s, 'during outage');
    const res = await c.token(c.secret);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await s.runtime.audit.flush();
    const [row] = await s.runtime.audit.list({ type: 'security.limiter_unavailable' });
    expect(row).toMatchObject({ outcome: 'failure' });
  });

  it('sign-in POSTs are refused too (fail-closed)', async () => {
    const { clientId } = await createClient(s);
    const b = new Browser(s.baseUrl);
    const login = await b.go('GET', authorizationUrl(s, clientId).url);
    expect((await b.submit(login, 'login', { username: 'x', password: 'y' })).status).toBe(429);
  });
});

describe('fail modes are configurable', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ env: { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_FAIL_MODE_TOKEN: 'open' } });
  });
  afterAll(() => s.close());

  it('RATE_LIMIT_FAIL_MODE_TOKEN=open lets token requests through while the store is down', async () => {
    const c = await catalogReader(s, 'open during outage');
    expect((await c.token(c.secret)).status).toBe(200);
  });
});
