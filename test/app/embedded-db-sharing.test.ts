// The README's default path: the server on the embedded database (PGlite in DATA_DIR) and CLI
// commands run while it runs. Real processes: `src/main.ts` and `src/cli/index.ts` as npm starts
// them; the load phase runs CLI commands in this process through openCliContext (the CLI's own
// way to its database, here the server's socket) to fit 50 of them into the test's time.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { commandTable } from '../../src/cli/command-table.js';
import { openCliContext } from '../../src/cli/open-cli-context.js';
import type { CliIo } from '../../src/cli/cli-context.js';
import { lockPathFor } from '../../src/db/data-dir-lock.js';
import { socketPathFor } from '../../src/db/pglite-socket-server.js';
import { testEnv } from '../support/test-env.js';
import { children, freePort, runCliProcess, startServerProcess } from '../support/server-process.js';

const PASSWORD = 'a long passphrase of your own';
const REDIRECT = 'https://tool.example.com/callback';
const SHUTDOWN_TIMEOUT_MS = 4000;

// The token load comes from one address and one client, well past the default budgets (tested elsewhere).
const base = testEnv({
  LOG_LEVEL: 'info',
  SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  DATABASE_URL: undefined,
  TOKEN_RATE_LIMIT_PER_IP: '1000000/min',
  TOKEN_RATE_LIMIT_PER_CLIENT: '1000000/min',
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(base.DATA_DIR!, { recursive: true, force: true });
});

async function inProcessCli(env: Record<string, string | undefined>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '', env };
  const code = await runCli(argv, commandTable, io, () => openCliContext(env, io, argv[0]!));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// clients:list names the id clientId today; tolerate client_id (the create output's name) too.
const listedIds = (out: string) =>
  (JSON.parse(out) as { clientId?: string; client_id?: string }[]).map((c) => c.client_id ?? c.clientId);
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('embedded database shared by the server and the CLI (real processes)', () => {
  let port: number;
  let env: Record<string, string | undefined>;
  let server: ReturnType<typeof startServerProcess>;
  let app: { client_id: string; client_secret: string };
  const token = (id: string, secret: string) =>
    fetch(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=catalog%3Aread',
    });

  it('CLI commands run while the server runs take effect at once at /auth and /token', async () => {
    port = await freePort();
    env = { ...base, PORT: String(port) };
    server = startServerProcess(env);
    await server.listening;
    expect(existsSync(socketPathFor(env.DATA_DIR!))).toBe(true);

    const admin = await runCliProcess(['admins:create', '--username', 'alice', '--password-stdin', '--json'], env, {
      stdin: PASSWORD,
    });
    expect(admin.code, admin.err).toBe(0);
    expect(JSON.parse(admin.out)).toMatchObject({ username: 'alice' });

    const created = await runCliProcess(
      [
        'clients:create',
        '--name',
        'Shop tool',
        '--type',
        'confidential',
        '--redirect-uri',
        REDIRECT,
        '--scope',
        'catalog:read offline_access',
        '--grant-type',
        'authorization_code',
        '--grant-type',
        'refresh_token',
        '--grant-type',
        'client_credentials',
        '--json',
      ],
      env,
    );
    expect(created.code, created.err).toBe(0);
    app = JSON.parse(created.out) as { client_id: string; client_secret: string };

    // /auth knows the client: the admin's browser goes to the sign-in page, not "client is invalid".
    const auth = await fetch(
      `http://127.0.0.1:${port}/auth?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT, scope: 'catalog:read', state: 's1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
      { redirect: 'manual' },
    );
    expect(auth.status, await auth.clone().text()).toBe(303);
    expect(auth.headers.get('location')).toMatch(/^\/interaction\//);
    const signIn = await fetch(`http://127.0.0.1:${port}${auth.headers.get('location')}`, {
      headers: {
        cookie: auth.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      },
    });
    expect(await signIn.text()).toContain('Sign in');

    const t = await token(app.client_id, app.client_secret);
    expect(t.status).toBe(200);
    expect(await t.json()).toMatchObject({ token_type: 'Bearer', scope: 'catalog:read' });
  }, 240_000);

  it('50 CLI commands during a token load: none fails, every token request succeeds', async () => {
    let stop = false;
    const statuses: number[] = [];
    const load = Promise.all(
      [0, 1, 2].map(async () => {
        while (!stop) statuses.push((await token(app.client_id, app.client_secret)).status);
      }),
    );
    const results: { code: number; out: string; err: string }[] = [];
    const jobs = Array.from({ length: 50 }, (_, i) => i);
    await Promise.all(
      [0, 1].map(async () => {
        for (let i = jobs.shift(); i !== undefined; i = jobs.shift()) {
          const argv =
            i % 10 === 9
              ? [
                  'clients:create',
                  '--name',
                  `Job ${i}`,
                  '--type',
                  'confidential',
                  '--scope',
                  'catalog:read',
                  '--grant-type',
                  'client_credentials',
                  '--json',
                ]
              : i % 2
                ? ['clients:show', '--client-id', app.client_id, '--json']
                : ['clients:list', '--json'];
          const r = await inProcessCli(env, argv);
          results.push(r);
          // A client created mid-load works at /token at once.
          if (argv[0] === 'clients:create' && r.code === 0) {
            const job = JSON.parse(r.out) as { client_id: string; client_secret: string };
            statuses.push((await token(job.client_id, job.client_secret)).status);
          }
        }
      }),
    );
    stop = true;
    await load;
    expect(results.filter((r) => r.code !== 0).map((r) => r.err)).toEqual([]);
    expect(results).toHaveLength(50);
    const lists = results.filter((r) => r.out.startsWith('['));
    for (const r of lists) expect(listedIds(r.out)).toContain(app.client_id);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  }, 300_000);

  it('a CLI with another ENCRYPTION_KEY, or on an empty DATA_DIR, refuses to act', async () => {
    const otherKey = { ...env, ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    await expect(inProcessCli(otherKey, ['clients:list', '--json'])).rejects.toThrow(
      /ENCRYPTION_KEY does not match this database.*ENCRYPTION_KEYS_OLD/,
    );
    const elsewhere = testEnv({ DATABASE_URL: undefined });
    try {
      await expect(inProcessCli(elsewhere, ['clients:list', '--json'])).rejects.toThrow(
        `no database in DATA_DIR ${elsewhere.DATA_DIR}: start the server first`,
      );
      expect(existsSync(`${elsewhere.DATA_DIR}/pgdata`)).toBe(false);
    } finally {
      rmSync(elsewhere.DATA_DIR!, { recursive: true, force: true });
    }
  }, 60_000);

  it('a second server on the same DATA_DIR refuses to start, naming it and the pid', async () => {
    const second = startServerProcess({ ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(69);
    expect(second.output()).toContain(
      `DATA_DIR ${env.DATA_DIR} is in use by a running server (pid ${server.child.pid}`,
    );
    // The first one is untouched.
    expect((await token(app.client_id, app.client_secret)).status).toBe(200);
  }, 120_000);

  it('SIGTERM: exits 0 within SHUTDOWN_TIMEOUT_MS and leaves neither lock nor socket', async () => {
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(existsSync(lockPathFor(env.DATA_DIR!))).toBe(false);
    expect(existsSync(socketPathFor(env.DATA_DIR!))).toBe(false);
  }, 60_000);

  it('with no server the CLI opens DATA_DIR itself and releases it; after a restart the data is intact', async () => {
    const listed = await runCliProcess(['admins:list', '--json'], env);
    expect(listed.code, listed.err).toBe(0);
    expect((JSON.parse(listed.out) as { username: string }[]).map((a) => a.username)).toEqual(['alice']);
    expect(existsSync(lockPathFor(env.DATA_DIR!))).toBe(false);

    server = startServerProcess(env);
    await server.listening;
    const clients = await inProcessCli(env, ['clients:list', '--json']);
    expect(clients.code, clients.err).toBe(0);
    const ids = listedIds(clients.out);
    expect(ids).toContain(app.client_id);
    expect(ids).toHaveLength(1 + 5); // Shop tool and the five jobs created under load
    expect((await token(app.client_id, app.client_secret)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 180_000);
});
