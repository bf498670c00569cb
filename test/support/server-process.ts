import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Every process a test file spawned, for a SIGKILL in afterAll whatever happened. */
export const children: ChildProcess[] = [];

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Runs the real entry point the way `npm start` does. */
export function startServerProcess(env: Record<string, string | undefined>, opts: { cwd?: string } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: opts.cwd,
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code, signal) => {
      if (signal) output += `\n[test harness] server killed by ${signal}\n`;
      r(code);
    }),
  );
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('"msg":"listening"')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited before listening:\n${output}`));
    });
  });
  listening.catch(() => undefined); // awaited by the tests that expect a start
  return { child, exited, listening, output: () => output };
}

/** Runs `npm run cli -- <argv>` as a real process (node + tsx, the same entry point). */
export function runCliProcess(
  argv: string[],
  env: Record<string, string | undefined>,
  opts: { stdin?: string; cwd?: string } = {},
) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...argv], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: opts.cwd,
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  child.stdin!.end(opts.stdin ?? '');
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
}
