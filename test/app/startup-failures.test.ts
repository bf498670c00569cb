import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, testTmpDir } from '../support/test-env.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { children, freePort, startServerProcess } from '../support/server-process.js';

const dbs: TestDb[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dbs) await d.destroy();
  for (const s of servers) s.close();
});

const start = (env: Record<string, string | undefined>) => startServerProcess(env);

/** A failed start prints one line that names the variable and the fix: no stack, no secret. */
function expectOneLine(output: string, pattern: RegExp): void {
  const lines = output.split('\n').filter((l) => l.startsWith('cannot start:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(output).not.toMatch(/^\s+at /m);
}

async function serverUrl(database: string, user = 'postgres'): Promise<string> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${database}`;
  url.username = user;
  return url.toString();
}

describe('start-up failures', () => {
  it('a port in use: one line naming PORT, exit 69', async () => {
    const t = await createTestDb();
    dbs.push(t);
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    servers.push(blocker);
    await new Promise((r) => blocker.once('listening', r));
    const p = start({
      ...testEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: t.url ?? undefined,
    });
    expect(await p.exited).toBe(69);
    expectOneLine(p.output(), new RegExp(`PORT ${port} on 127\\.0\\.0\\.1 is already in use`));
  }, 90_000);

  it('an unreachable database: one line naming DATABASE_URL without its password, exit 69', async () => {
    const port = await freePort();
    const p = start({
      ...testEnv(),
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: `postgres://bridge:hunter2-secret@127.0.0.1:${port}/bridge`,
    });
    expect(await p.exited).toBe(69);
    expectOneLine(
      p.output(),
      new RegExp(
        `cannot reach the database at DATABASE_URL \\(postgres://bridge:\\*\\*\\*@127\\.0\\.0\\.1:${port}/bridge\\): ECONNREFUSED`,
      ),
    );
    expect(p.output()).not.toContain('hunter2-secret');
  }, 60_000);

  it('the stack is printed at LOG_LEVEL=debug', async () => {
    const port = await freePort();
    const p = start({
      ...testEnv(),
      PORT: '0',
      LOG_LEVEL: 'debug',
      DATABASE_URL: `postgres://bridge@127.0.0.1:${port}/bridge`,
    });
    expect(await p.exited).toBe(69);
    expect(p.output()).toMatch(/cannot start: cannot reach the database/);
    expect(p.output()).toMatch(/^\s+at /m);
  }, 60_000);

  it.each([
    ['SCOPES_FILE', '{ "scopes": ', /Cannot load scope catalog .*bad-scopes\.json: .*JSON/],
    ['ROUTES_FILE', '{"routes": [{"method": "GET"}]}', /Invalid route in .*bad-routes\.json: routes\[0\]/],
  ])(
    'a bad %s: one line naming the file and the entry, exit 78',
    async (variable, content, pattern) => {
      const file = join(testTmpDir('data-file-'), variable === 'SCOPES_FILE' ? 'bad-scopes.json' : 'bad-routes.json');
      writeFileSync(file, content);
      const p = start({ ...testEnv(), PORT: '0', LOG_LEVEL: 'info', [variable]: file });
      expect(await p.exited).toBe(78);
      expectOneLine(p.output(), pattern);
    },
    60_000,
  );

  // These need a PostgreSQL server to refuse the name and the role: the CI run on PostgreSQL.
  it.runIf(process.env.DATABASE_URL)(
    'a database that does not exist: one line, exit 78',
    async () => {
      const name = `bridge_missing_${randomBytes(4).toString('hex')}`;
      const p = start({ ...testEnv(), PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: await serverUrl(name) });
      expect(await p.exited).toBe(78);
      expectOneLine(p.output(), new RegExp(`the database named in DATABASE_URL \\(.*/${name}\\) does not exist`));
    },
    60_000,
  );

  it.runIf(process.env.DATABASE_URL)(
    'an unknown role: one line, exit 78',
    async () => {
      const p = start({
        ...testEnv(),
        PORT: '0',
        LOG_LEVEL: 'info',
        DATABASE_URL: await serverUrl('postgres', 'no_such_role_x'),
      });
      expect(await p.exited).toBe(78);
      expectOneLine(p.output(), /PostgreSQL refused the login in DATABASE_URL .*role "no_such_role_x" does not exist/);
    },
    60_000,
  );

  it(
    'a changed ENCRYPTION_KEY: one line naming ENCRYPTION_KEYS_OLD, exit 78; with the old key listed it ' + 'starts',
    async () => {
      const t = await createTestDb();
      dbs.push(t);
      const env: Record<string, string | undefined> = {
        ...testEnv(),
        PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        DATABASE_URL: t.url ?? undefined,
      };
      const first = start(env);
      await first.listening; // signing keys are now sealed with the first key
      first.child.kill('SIGTERM');
      expect(await first.exited, first.output()).toBe(0);

      const newKey = randomBytes(32).toString('base64');
      const second = start({ ...env, ENCRYPTION_KEY: newKey });
      expect(await second.exited).toBe(78);
      expectOneLine(second.output(), /ENCRYPTION_KEY does not match this database.*ENCRYPTION_KEYS_OLD/);
      expect(second.output()).not.toContain(env.ENCRYPTION_KEY!);

      const third = start({ ...env, ENCRYPTION_KEY: newKey, ENCRYPTION_KEYS_OLD: env.ENCRYPTION_KEY });
      await third.listening;
      third.child.kill('SIGTERM');
      const code = await third.exited;
      expect(code, third.output()).toBe(0);
    },
    120_000,
  );

  it('the CLI says the same in one line, exit 69', async () => {
    const { spawnSync } = await import('node:child_process');
    const port = await freePort();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'clients:list'], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        ...testEnv(),
        DATABASE_URL: `postgres://bridge:pw-secret@127.0.0.1:${port}/bridge`,
      },
    });
    expect(r.status).toBe(69);
    expect(r.stderr).toMatch(
      /^cannot open the database: cannot reach the database at DATABASE_URL \(postgres:\/\/bridge:\*\*\*@/m,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('pw-secret');
  }, 60_000);

  it('an older Node.js gets a clear message instead of a crash', async () => {
    // The check runs before any dependency is loaded; simulate an old runtime by its version string.
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "Object.defineProperty(process.versions, 'node', { value: '20.19.0' }); await import('./src/runtime-check.ts');",
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      },
    );
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/needs Node\.js 22 or later/);
  }, 30_000);
});
