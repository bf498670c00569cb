import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface SpawnedServer {
  child: ChildProcess;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Resolves once the server logged "listening"; rejects if it exits first. */
  listening: Promise<void>;
  output(): string;
}

/** Runs the real entry point the way `npm start` does; `children` collects it for cleanup. */
export function spawnServer(env: Record<string, string | undefined>, children: ChildProcess[]): SpawnedServer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
