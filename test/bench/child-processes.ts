// Every process the bench starts goes through here, so one call can stop them all whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Started {
  name: string;
  child: ChildProcess;
  /** stderr so far (kept for the error report; stdout is drained and dropped once ready). */
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

const running: Started[] = [];

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** A line on stdout that says the process is ready; its text is returned. */
  readyWhen: (line: string) => boolean;
  timeoutMs?: number;
}

/** Spawns a process and waits for its ready line; rejects (after killing it) when it exits or times out first. */
export async function startProcess(o: StartOptions): Promise<{ proc: Started; readyLine: string }> {
  const child = spawn(o.command, o.args, {
    env: { PATH: process.env.PATH, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const proc: Started = { name: o.name, child, stderr: () => stderr, exited };
  running.push(proc);
  let buffered = '';
  let seen = '';
  const readyLine = await new Promise<string>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(
      () => reject(new Error(`${o.name} not ready within ${o.timeoutMs ?? 30_000} ms\n${seen}\n${stderr}`)),
      o.timeoutMs ?? 30_000,
    );
    // After the ready line stdout is still read (the product logs every request there), then dropped.
    child.stdout!.on('data', (d: Buffer) => {
      if (ready) return;
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (seen.length < 8000) seen += line + '\n';
        if (o.readyWhen(line)) {
          ready = true;
          clearTimeout(timer);
          buffered = '';
          resolve(line);
          return;
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${o.name} exited (${code}) before it was ready:\n${seen}\n${stderr}`));
    });
  }).catch(async (err: Error) => {
    await stopProcess(proc);
    throw err;
  });
  return { proc, readyLine };
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(p: Started, graceMs = 3000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/**
 * Stops every process started here, one by one in reverse order of start: the server drains
 * (and writes its profile, when asked) while the relay to PostgreSQL it depends on still runs.
 */
export async function stopAll(): Promise<void> {
  for (const p of running.splice(0).reverse()) await stopProcess(p, 10_000);
}

/** A process that ended on its own while the bench still needed it. */
export function deadProcesses(): Started[] {
  return running.filter((p) => p.child.exitCode !== null || p.child.signalCode !== null);
}

/** Resident set size in MiB, from /proc (Linux): what the kernel charges the process now. */
/** User + system CPU time the process has used, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

export function rssMiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs a command to its end; output captured, stdin optional. */
export function runToEnd(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  stdin = '',
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.end(stdin);
  const killer = () => child.kill('SIGKILL');
  process.once('exit', killer);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      process.off('exit', killer);
      resolve({ code, out, err });
    }),
  );
}
