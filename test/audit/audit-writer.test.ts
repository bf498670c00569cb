// The audit trail's batched write path: nothing recorded is lost on a clean stop, a full queue
// holds callers back instead of growing or dropping, and a refused batch ends in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createLogger } from '../../src/logging/logger.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { createFakeClock } from '../support/fake-clock.js';
import { startTestServer } from '../support/test-server.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.destroy();
});

const count = async (type: string) => Number((await t.db('audit_events').where({ type }).count('* as n'))[0]!.n);

describe('audit writer', () => {
  it('writes what it queued in batches, and list() sees its own writes', async () => {
    const lines: string[] = [];
    const audit = createAuditLog({
      db: t.db,
      clock: createFakeClock(),
      logger: createLogger({ level: 'error', write: (l) => lines.push(l) }),
      flushIntervalMs: 10_000, // only a full batch or flush() writes
    });
    await Promise.all(
      Array.from({ length: 1200 }, (_, i) =>
        audit.record({ type: 'token.issued', outcome: 'success', clientId: `c-${i}`, details: { secret: 's3cr3t' } }),
      ),
    );
    const listed = await audit.list({ type: 'token.issued', limit: 2000 });
    expect(listed).toHaveLength(1200);
    expect(new Set(listed.map((e) => e.clientId)).size).toBe(1200);
    expect(JSON.stringify(listed)).not.toContain('s3cr3t');
    expect(lines).toEqual([]);
  });

  it('a clean server stop writes every row its requests queued', async () => {
    const s = await startTestServer({ testDb: t, env: { AUDIT_FLUSH_INTERVAL_MS: '10000' } });
    const before = await count('gateway.denied');
    const answers = await Promise.all(
      Array.from({ length: 150 }, () => s.request.get('/rest/V1/products').set('Authorization', 'Bearer nope')),
    );
    expect(answers.every((r) => r.status === 401)).toBe(true);
    // The flush interval is far away: only stop() can have written them.
    await s.close();
    expect((await count('gateway.denied')) - before).toBe(150);
  });

  it('a full queue makes callers wait (bounded memory), then every row is written', async () => {
    if (t.engine !== 'postgresql') return; // needs a second connection holding a lock
    const audit = createAuditLog({
      db: t.db,
      clock: createFakeClock(),
      logger: createLogger({ level: 'silent' }),
      flushIntervalMs: 1,
      bufferMax: 10,
    });
    const trx = await t.db.transaction();
    await trx.raw('lock table audit_events in exclusive mode');
    let accepted = 0;
    const pushes = Array.from({ length: 40 }, () =>
      audit.record({ type: 'oauth.error', outcome: 'failure' }).then(() => accepted++),
    );
    await new Promise((r) => setTimeout(r, 300));
    // One batch is stuck on the lock, the queue holds at most 10: the rest wait.
    expect(accepted).toBeLessThan(40);
    expect(accepted).toBeGreaterThanOrEqual(10);
    await trx.commit();
    await Promise.all(pushes);
    await audit.flush();
    expect(await count('oauth.error')).toBe(40);
  });

  it('a batch the database refuses is written to the log, not dropped', async () => {
    const lines: string[] = [];
    const audit = createAuditLog({
      db: t.db,
      clock: createFakeClock(),
      logger: createLogger({ level: 'error', write: (l) => lines.push(l) }),
    });
    // PostgreSQL text cannot hold NUL: the insert fails on every attempt.
    await audit.record({ type: 'oauth.error', outcome: 'failure', actor: 'a\u0000b', clientId: 'lost-client' });
    await audit.flush();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'audit write failed', event: { client_id: 'lost-client' } });
  }, 10_000);
});
