import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/test-env.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { children, freePort, startServerProcess } from '../support/server-process.js';

const dbs: TestDb[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dbs) await d.destroy();
});

const start = (env: Record<string, string | undefined>) => startServerProcess(env);

describe('process lifecycle', () => {
  it('fails to start with a clear message naming the bad variable', async () => {
    const p = start({ ...testEnv(), PORT: 'not-a-port', LOG_LEVEL: 'info' });
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.output()).toMatch(/PORT must be an integer/);
  }, 60_000);

  it('starts, serves discovery without development warnings, and exits 0 on SIGTERM within 5 s', async () => {
    const t = await createTestDb();
    dbs.push(t);
    const port = await freePort();
    const env: Record<string, string | undefined> = {
      ...testEnv(),
      PORT: String(port),
      LOG_LEVEL: 'info',
      DATABASE_URL: t.url ?? undefined,
    };
    const p = start(env);
    await p.listening;
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect((await res.json()).issuer).toBe(`http://localhost:${port}`);
    // An idle keep-alive connection must not hold the shutdown open.
    await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'keep-alive' } });
    // A request in flight when SIGTERM arrives (its body still uploading) gets its answer.
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.on('data', (d) => (answer += d));
    // The child may be seen exiting before its last bytes are read here: wait for the socket too.
    const socketClosed = new Promise((r) => socket.once('close', r));
    const body = 'grant_type=client_credentials&client_id=nobody';
    socket.write(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ` +
        `application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    socket.write(body.slice(10));
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    await socketClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 (400|401) /);
    expect(answer).toContain('invalid_client');
    expect(p.output()).not.toMatch(/oidc-provider (WARNING|NOTICE)/);
    expect(p.output()).toMatch(/"msg":"stopped"/);
    expect(p.output()).not.toContain(env.ENCRYPTION_KEY!);
  }, 90_000);

  it('keeps the same JWKS across a restart on the embedded database', async () => {
    const port = await freePort();
    const env = {
      ...testEnv(),
      PORT: String(port),
      LOG_LEVEL: 'info',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    const jwks: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const p = start(env);
      await p.listening;
      jwks.push(await (await fetch(`http://127.0.0.1:${port}/jwks`)).json());
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
    expect(jwks[1]).toEqual(jwks[0]);
  }, 120_000);

  it.skipIf(!process.env.DATABASE_URL)(
    'WORKERS=2: two server processes share the port, metrics summed by the primary; a crashed one is replaced; SIGTERM drains all',
    async () => {
      const t = await createTestDb();
      dbs.push(t);
      const port = await freePort();
      const metricsPort = await freePort();
      const p = start({
        ...testEnv(),
        PORT: String(port),
        LOG_LEVEL: 'info',
        DATABASE_URL: t.url!,
        WORKERS: '2',
        METRICS_PORT: String(metricsPort),
      });
      await p.listening;
      const lines = () =>
        p
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg: string; worker?: string; pid?: number; workers?: number });
      expect(lines().find((l) => l.msg === 'listening')?.workers).toBe(2);
      const workers = lines().filter((l) => l.msg === 'worker listening');
      expect(workers.map((w) => w.worker).sort()).toEqual(['0', '1']);
      for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // The primary's metrics port sums the workers' counters (each call may land on either worker).
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/rest/V1/products`, {
          headers: { authorization: 'Bearer nope', connection: 'close' },
        });
        expect(res.status).toBe(401);
      }
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^bridge_gateway_requests_total\{status="401",route_group="none"\} 8$/m);

      process.kill(workers.find((w) => w.worker === '1')!.pid!, 'SIGKILL');
      for (let i = 0; i < 100 && lines().filter((l) => l.msg === 'worker listening').length < 3; i++)
        await new Promise((r) => setTimeout(r, 50));
      const replaced = lines().filter((l) => l.msg === 'worker listening');
      expect(replaced).toHaveLength(3);
      expect(replaced[2]!.worker).toBe('1');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      for (const w of [...replaced.slice(0, 1), replaced[2]!]) expect(() => process.kill(w.pid!, 0)).toThrow();
      expect(lines().filter((l) => l.msg === 'stopped')).toHaveLength(3); // both workers, then the primary
    },
    60_000,
  );
});
