import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Who holds DATA_DIR's embedded database: exactly one process opens it at a time. */
export interface LockHolder {
  pid: number;
  role: 'server' | 'cli';
  startedAt: string;
  /** Linux: the process's start time in clock ticks since boot, and the boot id (pid reuse check). */
  procStart?: string;
  bootId?: string;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by ` +
        `${holder.role === 'server' ? 'a running server' : 'a CLI command'} (pid ${holder.pid}, since ` +
        `${holder.startedAt})`,
    );
    this.name = 'DataDirBusyError';
  }
}

export interface DataDirLock {
  release(): void;
}

export const lockPathFor = (dataDir: string) => join(dataDir, 'pglite.lock');

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function procStartOf(pid: number): string | undefined {
  // Field 22 of /proc/<pid>/stat, counted after the ")" that ends the command name.
  const stat = readOr(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function bootId(): string | undefined {
  return readOr('/proc/sys/kernel/random/boot_id')?.trim();
}

/** Whether the lock's process is still the one that wrote it (not a later process with its pid). */
export function holderAlive(h: LockHolder): boolean {
  if (!Number.isInteger(h.pid) || h.pid <= 0 || h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (h.procStart && h.bootId && h.bootId === bootId()) return procStartOf(h.pid) === h.procStart;
  if (h.bootId && bootId() && h.bootId !== bootId()) return false; // written before a reboot
  return true;
}

export function readLockHolder(dataDir: string): LockHolder | null {
  const text = readOr(lockPathFor(dataDir));
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    // Garbage (locks are linked in whole): nobody can be identified as its holder.
    return { pid: -1, role: 'server', startedAt: 'unknown' };
  }
}

/**
 * Takes DATA_DIR's lock file (O_EXCL, holding pid and start time). A lock left by a process that
 * is gone is taken over, and `onStale` says so; a live holder → DataDirBusyError.
 */
export function acquireDataDirLock(
  dataDir: string,
  role: LockHolder['role'],
  onStale: (h: LockHolder) => void = () => {},
): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = lockPathFor(dataDir);
  const me: LockHolder = {
    pid: process.pid,
    role,
    startedAt: new Date().toISOString(),
    procStart: procStartOf(process.pid),
    bootId: bootId(),
  };
  // Written in full to a private file, then hard-linked into place: link() creates exclusively like
  // O_EXCL, and nobody can read a half-written lock and take it for a stale one.
  const draft = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(draft, JSON.stringify(me), { mode: 0o600 });
  try {
    return takeLock(dataDir, file, draft, me, onStale);
  } finally {
    rmSync(draft, { force: true });
  }
}

function takeLock(
  dataDir: string,
  file: string,
  draft: string,
  me: LockHolder,
  onStale: (h: LockHolder) => void,
): DataDirLock {
  for (let attempt = 0; ; attempt++) {
    try {
      linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const holder = readLockHolder(dataDir);
      if (holder && holderAlive(holder)) throw new DataDirBusyError(dataDir, holder);
      if (holder) onStale(holder);
      rmSync(file, { force: true });
      continue;
    }
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        // Only our own lock: never remove one a successor wrote after taking ours over.
        const h = readLockHolder(dataDir);
        if (h?.pid === process.pid && h.startedAt === me.startedAt) rmSync(file, { force: true });
      },
    };
  }
}
