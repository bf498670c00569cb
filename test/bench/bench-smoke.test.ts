// The bench harness end to end, short: one scenario (client credentials, product and bare engine)
// for 2 s on 4 connections, against PostgreSQL (127.0.0.1:5432 unless DATABASE_URL says otherwise,
// also in the PGlite test run: the bench refuses PGlite). Checks the JSON result and the clean-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import knex from 'knex';
import { REPO_ROOT } from './entry-points.js';
import type { BenchReport } from './report.js';

const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function runBench(env: Record<string, string>): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/bench/run.ts')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, err })));
}

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function benchDatabases(): Promise<string[]> {
  const db = knex({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  try {
    const r = await db.raw<{ rows: { datname: string }[] }>(
      "select datname from pg_database where datname like 'bridge_bench_%'",
    );
    return r.rows.map((x) => x.datname);
  } finally {
    await db.destroy();
  }
}

it('runs the client-credentials scenario without errors and cleans up', { timeout: 60_000 }, async () => {
  const before = await benchDatabases();
  const { code, err } = await runBench({
    DATABASE_URL: adminUrl,
    BENCH_SCENARIOS: 'client_credentials',
    BENCH_DURATION_S: '2',
    BENCH_CONNECTIONS: '4',
    BENCH_OUT_DIR: outDir,
  });
  expect(code, err).toBe(0);
  const report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchReport;
  expect(report.ok).toBe(true);
  expect(report.scenarios.map((s) => s.name)).toEqual(['client_credentials']);
  const [cc] = report.scenarios;
  for (const side of [cc!.product, cc!.reference!]) {
    expect(side.requests).toBeGreaterThan(0);
    expect(side.non2xx + side.socketErrors).toBe(0);
  }
  expect(cc!.dbRoundTripsPerRequest).toBeGreaterThan(0);
  // Its scratch database is gone (others' may come and go meanwhile: only new names count).
  expect((await benchDatabases()).filter((d) => !before.includes(d))).toEqual([]);
});
