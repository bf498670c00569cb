// The audit trail's hash chains: every writer's rows link into one chain per process start,
// audit:verify finds an edited row, a missing row and a spliced one, and the retention job
// removes old rows while leaving anchors that keep verify green.
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, type AuditLog } from '../../src/audit/audit-log.js';
import { canonicalJson, rowHash, sealRows } from '../../src/audit/audit-chain.js';
import { pruneAuditEvents } from '../../src/audit/audit-retention.js';
import { recordAlert } from '../../src/alerts/alert-outbox.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';
import { runCliInProcess } from '../support/in-process-cli.js';
import { startTestServer } from '../support/test-server.js';

const DAY = 86_400_000;
const open: TestDb[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.destroy()));
});
async function freshDb() {
  const t = await createTestDb();
  open.push(t);
  return t;
}

const config = loadConfig(testEnv());
const box = createSecretBox(config.encryptionKeys);
type Clock = ReturnType<typeof createFakeClock>;

function auditLog(t: TestDb, clock: Clock, lines: string[] = []) {
  return createAuditLog({
    db: t.db,
    clock,
    logger: createLogger({ level: 'error', write: (l) => lines.push(l) }),
    flushIntervalMs: 10_000, // only a full batch or flush() writes
  });
}

async function record(audit: AuditLog, n: number, tag: string) {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      audit.record({
        type: 'gateway.call',
        outcome: 'success',
        clientId: `${tag}-${i}`,
        status: 200,
        durationMs: 12.6,
        // Keys out of order, nesting, unicode, a big number: jsonb hands them back reordered.
        details: { zeta: i, alpha: { y: [1, 'x', null, { b: 2, a: 1 }], b: true }, 'k é': 'é 😀 "q"', big: 1e21 },
      }),
    ),
  );
  await audit.flush();
}

const cli = (t: TestDb, clock: Clock, argv: string[]) =>
  runCliInProcess(argv, () => ({ config, db: t.db, box, clock }));

interface VerifyJson {
  ok: boolean;
  chains: number;
  rows_checked: number;
  anchored_chains: number;
  unchained_legacy: number;
  breaks: { chain_id: string; seq: number; row_id: string; problem: string; message: string }[];
}
async function verify(t: TestDb, clock: Clock) {
  const r = await cli(t, clock, ['audit:verify', '--json']);
  return { code: r.code, report: JSON.parse(r.out) as VerifyJson };
}

const rowOf = async (t: TestDb, chainId: string, seq: number) =>
  (await t.db('audit_events').where({ chain_id: chainId, seq }).first()) as { id: string; details: unknown };

describe('audit hash chains', () => {
  it('two writers, several batches each: two contiguous chains that verify clean', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    const [a, b] = [auditLog(t, clock), auditLog(t, clock)];
    expect(a.chainId).not.toBe(b.chainId);
    await Promise.all([record(a, 1200, 'a'), record(b, 700, 'b')]); // 500-row batches: 3 and 2 INSERTs
    await record(a, 3, 'a-later'); // a later batch continues the same chain
    const seqs = await t.db('audit_events').where({ chain_id: a.chainId }).orderBy('seq').pluck('seq');
    expect(seqs.map(Number)).toEqual(Array.from({ length: 1203 }, (_, i) => i + 1));
    // Rows from before the chain existed are counted, not failed.
    await t.db('audit_events').insert({ at: new Date(), type: 'oauth.error', outcome: 'failure', details: '{}' });
    const { code, report } = await verify(t, clock);
    expect(report).toMatchObject({ ok: true, chains: 2, rows_checked: 1903, breaks: [], unchained_legacy: 1 });
    expect(code).toBe(0);
    const text = await cli(t, clock, ['audit:verify']);
    expect(text.out).toMatch(/2 chains, 1903 rows checked: intact; .*1 rows unchained \(legacy\)/);
  });

  it("an edited row's details: exit 1, naming that row; the other chain stays intact", async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    const [a, b] = [auditLog(t, clock), auditLog(t, clock)];
    await Promise.all([record(a, 600, 'a'), record(b, 10, 'b')]);
    const victim = await rowOf(t, a.chainId, 321);
    await t
      .db('audit_events')
      .where({ id: victim.id })
      .update({ details: JSON.stringify({ zeta: 'edited' }) });
    const { code, report } = await verify(t, clock);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.breaks).toEqual([
      expect.objectContaining({ chain_id: a.chainId, seq: 321, row_id: String(victim.id), problem: 'content_edited' }),
    ]);
    const text = await cli(t, clock, ['audit:verify']);
    expect(text.code).toBe(1);
    expect(text.out).toContain(`chain ${a.chainId}: BROKEN at seq 321 (row ${victim.id}): content edited`);
  });

  it('a deleted middle row is a seq gap; a rewritten row with a recomputed hash breaks the next link', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    const [a, b] = [auditLog(t, clock), auditLog(t, clock)];
    await Promise.all([record(a, 50, 'a'), record(b, 50, 'b')]);
    await t.db('audit_events').where({ chain_id: a.chainId, seq: 20 }).del();
    // A careful forger: edits b's row 30 and recomputes its hash; row 31 still points at the old one.
    const forged = (await t.db('audit_events').where({ chain_id: b.chainId, seq: 30 }).first()) as Parameters<
      typeof rowHash
    >[1] & { id: string; prev_hash: string };
    const edited = { ...forged, actor: 'someone-else' };
    await t
      .db('audit_events')
      .where({ id: forged.id })
      .update({ actor: 'someone-else', hash: rowHash(forged.prev_hash, edited) });
    const { code, report } = await verify(t, clock);
    expect(code).toBe(1);
    const next = await rowOf(t, a.chainId, 21);
    const after = await rowOf(t, b.chainId, 31);
    expect(report.breaks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ chain_id: a.chainId, seq: 20, row_id: String(next.id), problem: 'row_missing' }),
        expect.objectContaining({
          chain_id: b.chainId,
          seq: 31,
          row_id: String(after.id),
          problem: 'prev_hash_mismatch',
        }),
      ]),
    );
    expect(report.breaks).toHaveLength(2);
    const text = await cli(t, clock, ['audit:verify']);
    expect(text.out).toContain('row missing: seq 20 not in the table');
  });

  it('a batch that ends in the log leaves no gap: the chain goes on from the last row written', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    const lines: string[] = [];
    const a = auditLog(t, clock, lines);
    await record(a, 2, 'before');
    // PostgreSQL text cannot hold NUL: this batch fails every attempt and goes to the log.
    await a.record({ type: 'oauth.error', outcome: 'failure', actor: 'a\u0000b', clientId: 'lost' });
    await a.flush();
    await record(a, 2, 'after');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['audit write failed']);
    const seqs = await t.db('audit_events').where({ chain_id: a.chainId }).orderBy('seq').pluck('seq');
    expect(seqs.map(Number)).toEqual([1, 2, 3, 4]);
    expect((await verify(t, clock)).code).toBe(0);
  }, 15_000);

  it('seqs taken meanwhile (an INSERT committed unheard): the writer re-reads its head and goes on', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    const lines: string[] = [];
    const a = auditLog(t, clock, lines);
    await record(a, 1, 'first');
    const head = (await t.db('audit_events').where({ chain_id: a.chainId, seq: 1 }).first()) as { hash: string };
    const [taken] = sealRows(a.chainId, { seq: 1, hash: head.hash }, [
      {
        at: new Date(clock.now()),
        type: 'oauth.error',
        outcome: 'info',
        actor: null,
        client_id: null,
        grant_id: null,
        ip: null,
        request_id: null,
        country: null,
        user_agent: null,
        route: null,
        status: null,
        duration_ms: null,
        details: '{}',
      },
    ]);
    await t.db('audit_events').insert(taken);
    await record(a, 3, 'next');
    expect(lines).toEqual([]);
    const seqs = await t.db('audit_events').where({ chain_id: a.chainId }).orderBy('seq').pluck('seq');
    expect(seqs.map(Number)).toEqual([1, 2, 3, 4, 5]);
    expect((await verify(t, clock)).code).toBe(0);
  });

  it('rows written outside the writer (an alert with its outbox row) are one-row chains, checked too', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    await t.db.transaction((trx) =>
      recordAlert(
        trx,
        { rule: 'volume', severity: 'high', summary: 'many calls', dedupKey: 'k1', details: { n: 3, a: 'x' } },
        { now: new Date(clock.now()), dedupWindowS: 60 },
      ),
    );
    let v = await verify(t, clock);
    expect(v.report).toMatchObject({ ok: true, chains: 1, rows_checked: 1, unchained_legacy: 0 });
    await t.db('audit_events').where({ type: 'alert.raised' }).update({ outcome: 'success' });
    v = await verify(t, clock);
    expect(v.report.breaks).toEqual([expect.objectContaining({ seq: 1, problem: 'content_edited' })]);
  });

  it('canonical JSON: key order and spacing do not matter, values do', () => {
    expect(canonicalJson(JSON.parse('{ "b": [1, {"y":1,"x":2}], "a": "é" }'))).toBe('{"a":"é","b":[1,{"x":2,"y":1}]}');
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });
});

describe('audit retention (audit:prune, AUDIT_RETENTION_DAYS)', () => {
  it('removes old rows per chain, records audit.pruned with the anchors, and verify still passes', async () => {
    const t = await freshDb();
    const clock = createFakeClock(Date.parse('2026-11-01T12:00:00Z'));
    const [a, gone] = [auditLog(t, clock), auditLog(t, clock)];
    await Promise.all([record(a, 700, 'old'), record(gone, 5, 'gone')]); // a: two batches of old rows
    await t
      .db('audit_events')
      .insert({ at: new Date(clock.now()), type: 'oauth.error', outcome: 'info', details: '{}' });
    clock.advance(10 * DAY);
    await record(a, 40, 'new');
    const b = auditLog(t, clock);
    await record(b, 5, 'b');
    const lastOld = await rowOf(t, a.chainId, 700);

    const r = await cli(t, clock, ['audit:prune', '--days', '5', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ outcome: 'pruned', removed: 706, legacy_removed: 1 });
    expect(Object.keys(JSON.parse(r.out).chains).sort()).toEqual([a.chainId, gone.chainId].sort());
    expect(a.chainId).toMatch(/^[0-9a-f]{24}$/); // snake_case-safe as a JSON key
    expect(Number((await t.db('audit_events').where({ chain_id: a.chainId }).count('* as n'))[0]!.n)).toBe(40);
    expect(await t.db('audit_events').where({ chain_id: gone.chainId })).toEqual([]);

    const events = await t.db('audit_events').where({ type: 'audit.pruned' });
    expect(events).toHaveLength(1);
    const details = (typeof events[0].details === 'string' ? JSON.parse(events[0].details) : events[0].details) as {
      chains: Record<string, { removed: number; last_seq: number; last_hash: string }>;
    };
    expect(events[0]).toMatchObject({ actor: 'cli', outcome: 'info' });
    expect(details.chains[a.chainId]).toEqual({
      removed: 700,
      last_seq: 700,
      last_hash: (lastOld as unknown as { hash: string }).hash,
    });
    expect(details.chains[gone.chainId]).toMatchObject({ removed: 5, last_seq: 5 });
    expect(details.chains[b.chainId]).toBeUndefined();

    // A chain pruned whole goes on from its anchor when its process writes again.
    await record(gone, 2, 'gone-again');
    let v = await verify(t, clock);
    expect(v.report).toMatchObject({ ok: true, anchored_chains: 2, unchained_legacy: 0 });
    expect(v.code).toBe(0);

    // Idempotent: nothing older is left, and no second event.
    const again = await cli(t, clock, ['audit:prune', '--days', '5']);
    expect(again.out).toMatch(/^nothing older than 2026-11-06T00:00:00.000Z/);
    expect(await t.db('audit_events').where({ type: 'audit.pruned' })).toHaveLength(1);

    // The anchor excuses the pruned rows only: the first remaining row deleted is still a gap.
    await t.db('audit_events').where({ chain_id: a.chainId, seq: 701 }).del();
    v = await verify(t, clock);
    expect(v.code).toBe(1);
    expect(v.report.breaks).toEqual([
      expect.objectContaining({ chain_id: a.chainId, seq: 701, problem: 'row_missing' }),
    ]);
  });

  it('rows a prune removed after verify read them (the anchor is newer than the page) are not a break', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    const a = auditLog(t, clock);
    await record(a, 10, 'a');
    // The state verify meets in that race: the anchor for seq 1..5 exists, the rows still show.
    const fifth = (await rowOf(t, a.chainId, 5)) as unknown as { hash: string };
    const anchor = { chains: { [a.chainId]: { removed: 5, last_seq: 5, last_hash: fifth.hash } } };
    await t.db('audit_events').insert({
      at: new Date(),
      type: 'audit.pruned',
      outcome: 'info',
      details: JSON.stringify(anchor),
    });
    const { code, report } = await verify(t, clock);
    expect(report).toMatchObject({ ok: true, anchored_chains: 1 });
    expect(code).toBe(0);
    // Past the anchor every row is checked as before.
    await t.db('audit_events').where({ chain_id: a.chainId, seq: 8 }).update({ actor: 'x' });
    expect((await verify(t, clock)).report.breaks).toEqual([
      expect.objectContaining({ seq: 8, problem: 'content_edited' }),
    ]);
  });

  it('AUDIT_RETENTION_DAYS=0 (the default) keeps everything; bad --days is a usage error', async () => {
    const t = await freshDb();
    const clock = createFakeClock();
    expect(config.auditTrail.retentionDays).toBe(0);
    const r = await cli(t, clock, ['audit:prune']);
    expect(r).toMatchObject({ code: 0, out: expect.stringContaining('keep forever') });
    expect((await cli(t, clock, ['audit:prune', '--days', '0'])).code).toBe(2);
    expect(() => loadConfig({ ...testEnv(), AUDIT_RETENTION_DAYS: '-1' })).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '90' })).auditTrail.retentionDays).toBe(90);
  });

  it('two instances pruning at once: one removes and records, the other finds nothing or stands aside', async () => {
    const t = await freshDb();
    const clock = createFakeClock(Date.parse('2026-11-01T12:00:00Z'));
    await record(auditLog(t, clock), 300, 'old');
    const now = clock.now() + 30 * DAY;
    const results = await Promise.all(
      [1, 2, 3].map(() => pruneAuditEvents(t.db, { retentionDays: 7, nowMs: now, actor: 'system' })),
    );
    expect(results.filter((r) => r.outcome === 'pruned')).toHaveLength(1);
    expect(results.every((r) => ['pruned', 'nothing', 'busy'].includes(r.outcome))).toBe(true);
    expect(await t.db('audit_events').where({ type: 'audit.pruned' })).toHaveLength(1);
    expect((await verify(t, clock)).code).toBe(0);
  });

  it("the server prunes by itself on its clean-up timer, as 'system'", async () => {
    const t = await freshDb();
    const s = await startTestServer({
      testDb: t,
      env: { AUDIT_RETENTION_DAYS: '3', EXPIRED_CLEANUP_INTERVAL_MS: '1000' },
    });
    try {
      const old = new Date(s.clock.now() - 10 * DAY);
      await t.db('audit_events').insert({ at: old, type: 'oauth.error', outcome: 'info', details: '{}' });
      let pruned: unknown[] = [];
      for (let i = 0; i < 50 && !pruned.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        pruned = await t.db('audit_events').where({ type: 'audit.pruned', actor: 'system' });
      }
      expect(pruned).toHaveLength(1);
      expect(await t.db('audit_events').where('at', '<', new Date(s.clock.now() - 4 * DAY))).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
