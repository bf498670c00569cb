// Runs docs/walkthrough.sh — the block the README shows — in a real shell with real processes
// (npm start, the emulator, the CLI, curl), in a scratch copy of the project (its own .env and
// data/). The test plays the admin's browser: it opens the printed URL, signs in with the TOTP
// secret the script printed, approves, and lands on the script's loopback callback page.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Browser, authenticatorApp, authorizeThroughPages, heading } from '../support/page-browser.js';
import { freePort } from '../support/server-process.js';
import type { createFakeClock } from '../support/fake-clock.js';

const root = resolve(import.meta.dirname, '..', '..');
const script = readFileSync(join(root, 'docs', 'walkthrough.sh'), 'utf8');
const project = mkdtempSync(join(tmpdir(), 'bridge-walkthrough-'));
for (const f of [
  'package.json',
  'src',
  'tools',
  'migrations',
  'views',
  'seeds',
  'docs',
  'node_modules',
  'tsconfig.json',
  'tsconfig.build.json',
])
  symlinkSync(join(root, f), join(project, f));
let shell: ReturnType<typeof spawn> | undefined;
afterAll(() => {
  if (shell?.exitCode === null) process.kill(-shell.pid!, 'SIGKILL');
  rmSync(project, { recursive: true, force: true });
});

describe('README walk-through (docs/walkthrough.sh)', () => {
  it('is the very block the README shows', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const body = script.replace(/^#!.*\n/, '');
    expect(readme).toContain('```sh\n' + body + '```');
  });

  it(
    'runs: emulator, server with .env, admin, client, store link, consent, token, calls through the ' + 'bridge',
    async () => {
      const [port, emulatorPort, callbackPort] = [await freePort(), await freePort(), await freePort()];
      shell = spawn('bash', ['docs/walkthrough.sh'], {
        cwd: project,
        detached: true, // its own process group: killed whole if the test fails
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PORT: String(port),
          MAGENTO_EMULATOR_PORT: String(emulatorPort),
          CALLBACK_PORT: String(callbackPort),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      shell.stdout!.on('data', (d) => (out += d));
      shell.stderr!.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => shell!.on('close', (code) => r(code)));
      const waitFor = async (re: RegExp) => {
        for (let i = 0; i < 2400 && !re.test(out); i++) {
          if (shell!.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const m = re.exec(out);
        if (!m) throw new Error(`script output never matched ${re}:\n${out}`);
        return m;
      };

      const [, url] = await waitFor(/^ {2}(http:\/\/localhost:\d+\/auth\?\S+)$/m);
      const [, secret] = await waitFor(/otpauth:\/\/totp\/\S*[?&]secret=([A-Z2-7]+)/);
      expect(readFileSync(join(project, '.env'), 'utf8')).toContain(
        `MAGENTO_BASE_URL=http://127.0.0.1:${emulatorPort}/`,
      );
      expect(out).toMatch(/status:\s*active/);

      // The admin's browser: sign in (password + TOTP), Approve, land on the callback page.
      const clock = {
        now: () => Date.now(),
        advance: () => {
          throw new Error('one TOTP code per 30 s step in real time');
        },
      } as unknown as ReturnType<typeof createFakeClock>;
      const b = new Browser(`http://localhost:${port}`);
      const back = await authorizeThroughPages(
        b,
        clock,
        { username: 'alice', password: 'a long passphrase of your own', code: authenticatorApp(secret!) },
        url!,
      );
      const callback = new URL(back.url);
      expect(`${callback.origin}${callback.pathname}`).toBe(`http://127.0.0.1:${callbackPort}/callback`);
      const page = await fetch(callback);
      const html = await page.text();
      expect(heading(html)).toBe('Authorization code received');
      expect(html).toContain(callback.searchParams.get('code')!);

      expect(await exited, out).toBe(0);
      expect(out).toMatch(/"items":\[\{/);
      expect(out).toMatch(/"name":"Renamed through the bridge"/);
      expect(out).toMatch(/"refresh_token":"[^"]+"/);
      expect(out).toContain('Walk-through complete.');
      expect(out).not.toMatch(/invalid_client|MAGENTO_BASE_URL is not set/);
    },
    600_000,
  );
});
