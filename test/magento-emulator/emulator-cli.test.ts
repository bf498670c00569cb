// `npm run magento:emulator -- …` as a store owner runs it: a real child process.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the emulator entry like `npm run magento:emulator -- <args>`; resolves when it exits or prints `until`. */
function run(args: string[], opts: { env?: Record<string, string>; until?: RegExp } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/magento-emulator/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  return new Promise<{ code: number | null; out: string; err: string; stop: () => Promise<number | null> }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`emulator did not finish: ${out} ${err}`));
      }, 60_000);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const stop = async () => {
        child.kill('SIGTERM');
        return exited;
      };
      if (opts.until)
        child.stdout.on('data', () => {
          if (opts.until!.test(out)) {
            clearTimeout(timer);
            resolve({ code: null, out, err, stop });
          }
        });
      void exited.then((code) => {
        clearTimeout(timer);
        resolve({ code, out, err, stop });
      });
    },
  );
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('magento:emulator command line', () => {
  it('--help prints the usage and exits 0 without starting a server', async () => {
    const r = await run(['--help'], { env: { MAGENTO_EMULATOR_PORT: String(await freePort()) } });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: npm run magento:emulator -- \[--port <n>\] \[--bearer\]/);
    expect(r.out).toContain('--port <n>');
    expect(r.out).not.toContain('listening');
    expect(r.err).toBe('');
  });

  it('an unknown option or a bad port: usage on stderr, exit 2', async () => {
    const unknown = await run(['--prot', '9000']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^magento:emulator: Unknown option '--prot'.*\n\nUsage: npm run magento:emulator/s);
    expect(unknown.out).toBe('');
    const bad = await run(['--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--port must be a port number from 0 to 65535, not "http"');
  });

  it('--port <n> is the port it listens on (over MAGENTO_EMULATOR_PORT), and it answers there', async () => {
    const port = await freePort();
    const r = await run(['--port', String(port)], {
      env: { MAGENTO_EMULATOR_PORT: '1' },
      until: /"integrationId"[\s\S]*\}\n/,
    });
    try {
      expect(r.out).toContain(`Magento emulator listening on http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/rest/V1/store/storeConfigs`);
      expect(res.status).toBe(401); // a Magento answer: no credentials
      expect(await res.json()).toMatchObject({ message: expect.any(String) });
    } finally {
      expect(await r.stop()).toBe(0);
    }
  });
});
