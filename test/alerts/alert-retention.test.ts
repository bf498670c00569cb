import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_KEEP_DAYS, pruneAlertTables } from '../../src/alerts/alert-retention.js';
import { SESSION_DEDUP_WINDOW_S } from '../../src/alerts/long-session-rule.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const DAY = 86_400_000;

describe('alert table clean-up', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t?.destroy());

  it('drops sent and abandoned alerts after 30 days, keeps pending ones and dedup marks within every window', async () => {
    const clock = createFakeClock();
    const ago = (days: number) => new Date(clock.now() - days * DAY);
    const row = (id: string, extra: Record<string, unknown>) => ({
      id,
      rule: 'test',
      dedup_key: id,
      payload: '{}',
      created_at: ago(100),
      next_attempt_at: ago(100),
      ...extra,
    });
    await t.db('alert_outbox').insert([
      row('old-sent', { delivered_at: ago(OUTBOX_KEEP_DAYS + 1) }),
      row('old-failed', { failed_at: ago(OUTBOX_KEEP_DAYS + 1) }),
      row('recent-sent', { delivered_at: ago(OUTBOX_KEEP_DAYS - 1) }),
      row('never-sent', {}), // no webhook configured: kept until it is
    ]);
    const sessionDays = SESSION_DEDUP_WINDOW_S / 86_400;
    await t.db('alert_dedup').insert([
      { dedup_key: 'long-past', raised_at: ago(sessionDays + 1) },
      { dedup_key: 'within-session-window', raised_at: ago(sessionDays - 1) },
    ]);
    expect(await pruneAlertTables(t.db, clock, { dedupWindowS: 3600 })).toBe(3);
    expect((await t.db('alert_outbox').select('id').orderBy('id')).map((r) => r.id)).toEqual([
      'never-sent',
      'recent-sent',
    ]);
    expect((await t.db('alert_dedup').select('dedup_key')).map((r) => r.dedup_key)).toEqual(['within-session-window']);
  });
});
