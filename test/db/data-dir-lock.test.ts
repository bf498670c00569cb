import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirBusyError, lockPathFor } from '../../src/db/data-dir-lock.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bridge-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A pid that is certainly gone: a child that already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('DATA_DIR lock', () => {
  it('one holder at a time; the second is told who holds it; release frees it', () => {
    const dir = tempDir();
    // Held by a live process other than us (our parent, the test runner's own process tree).
    writeFileSync(
      lockPathFor(dir),
      JSON.stringify({ pid: process.ppid, role: 'server', startedAt: '2026-12-03T00:00:00.000Z' }),
    );
    let err: unknown;
    try {
      acquireDataDirLock(dir, 'cli');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirBusyError);
    expect((err as Error).message).toBe(
      `DATA_DIR ${dir} is in use by a running server (pid ${process.ppid}, since 2026-12-03T00:00:00.000Z)`,
    );
    rmSync(lockPathFor(dir));

    const lock = acquireDataDirLock(dir, 'server');
    expect(JSON.parse(readFileSync(lockPathFor(dir), 'utf8'))).toMatchObject({ pid: process.pid, role: 'server' });
    lock.release();
    expect(() => readFileSync(lockPathFor(dir))).toThrow(/ENOENT/);
  });

  it('takes over a lock whose process is gone, and says so', () => {
    const dir = tempDir();
    const pid = deadPid();
    writeFileSync(lockPathFor(dir), JSON.stringify({ pid, role: 'server', startedAt: 'then' }));
    const stale: number[] = [];
    const lock = acquireDataDirLock(dir, 'cli', (h) => stale.push(h.pid));
    expect(stale).toEqual([pid]);
    expect(JSON.parse(readFileSync(lockPathFor(dir), 'utf8'))).toMatchObject({ pid: process.pid, role: 'cli' });
    lock.release();
  });

  it('a live pid that belongs to a later process (pid reused) is not a holder', () => {
    const dir = tempDir();
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(
      lockPathFor(dir),
      JSON.stringify({ pid: process.ppid, role: 'server', startedAt: 'then', procStart: '1', bootId: boot }),
    );
    const lock = acquireDataDirLock(dir, 'server');
    lock.release();
  });
});
