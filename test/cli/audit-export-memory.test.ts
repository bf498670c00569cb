// audit:export streams: 100,000 rows (about 105 MiB of CSV) through a real CLI process with a V8
// heap of 64 MiB (holding the output, or its rows, would not fit: the process would die), whose
// peak RSS stays under 200 MiB and within 32 MiB of a command that exports nothing. (A bare CLI
// process is already about 170-185 MiB here: tsx, oidc-provider, the offline country database.)
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';

const ROWS = 100_000;
const RSS_BOUND_MIB = 200;
const HEAP_MIB = 64;
const onPostgres = Boolean(process.env.DATABASE_URL);

let t: TestDb | undefined;
let env: Record<string, string | undefined> = {};
beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDb();
  env = { PATH: process.env.PATH, ...testEnv({ DATABASE_URL: t.url! }) }; // one key for every run
  await t.db.raw(
    `insert into audit_events (at, type, outcome, actor, client_id, route, status, duration_ms, details)
     select timestamptz '2026-11-01T00:00:00Z' + g * interval '1 second', 'gateway.call', 'success',
            'actor-' || g, 'client-' || (g % 7), 'GET /rest/V1/orders', 200, g % 1000,
            jsonb_build_object('n', g, 'pad', repeat('x', 1000))
     from generate_series(1, ?) g`,
    [ROWS],
  );
}, 120_000);
afterAll(async () => t?.destroy());

// The rows must be where a second process can read them: the test's PGlite lives in its memory.
describe.skipIf(!onPostgres)('audit:export memory (PostgreSQL only: a child process needs a shared database)', () => {
  /** The CLI as a child process with a small heap; counts stdout lines without keeping them. */
  async function runMeasured(argv: string[]) {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_MIB}`,
        '--import',
        'tsx',
        '--import',
        './test/support/report-max-rss.ts',
        'src/cli/index.ts',
        ...argv,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let lines = 0;
      let bytes = 0;
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        bytes += d.length;
        for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      });
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise<number | null>((r) => child.on('close', r));
      const rss = /max-rss-kib:(\d+)/.exec(err);
      return { code, err, lines, bytes, maxRssMib: rss ? Number(rss[1]) / 1024 : NaN };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  it(`exports ${ROWS} rows as CSV in a ${HEAP_MIB} MiB heap, peak RSS under ${RSS_BOUND_MIB} MiB`, async () => {
    const baseline = await runMeasured(['audit:list', '--limit', '1']);
    expect(baseline.code, baseline.err).toBe(0);
    const run = await runMeasured(['audit:export', '--format', 'csv']);
    expect(run.code, run.err).toBe(0);
    expect(run.lines).toBe(ROWS + 1); // the header, then one line per row (no newline inside a cell here)
    // More output than the heap: holding it would not have fitted.
    expect(run.bytes / 2 ** 20).toBeGreaterThan(HEAP_MIB);
    expect(run.maxRssMib).toBeLessThan(RSS_BOUND_MIB);
    expect(run.maxRssMib - baseline.maxRssMib).toBeLessThan(32);
  }, 180_000);
});
