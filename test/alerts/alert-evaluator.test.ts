// The evaluator's guarantees: one alert per incident (dedup window, across instances), a durable
// cursor (a restart neither misses nor repeats rows), settled rows only, one instance at a time,
// and raise() that never throws into its caller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/create-db.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { createFakeClock } from '../support/fake-clock.js';
import { alertsHarness, spread, type AlertsHarness } from './alerts-harness.js';

let t: TestDb;
let h: AlertsHarness;
beforeAll(async () => {
  t = await createTestDb();
  h = alertsHarness(t.db);
});
afterAll(async () => {
  await h.close();
  await t.destroy();
});

const HOUR = 3600_000;
const burst = (ip: string, n = 10) => spread(n, { type: 'admin.login_failed', actor: `u-${ip}`, ip }, 60_000);
const forIp = async (ip: string) => (await h.raised('signin_failures')).filter((a) => a.ip === ip);

describe('dedup window', () => {
  it('the same incident in later runs raises nothing new until ALERT_DEDUP_WINDOW_S has passed', async () => {
    await h.insert(burst('192.0.2.10'));
    expect((await h.alerts.evaluateNow()).raised).toBe(1);
    await h.insert(burst('192.0.2.10'));
    expect((await h.alerts.evaluateNow()).raised).toBe(0);
    h.clock.advance(HOUR - 1000);
    await h.insert(burst('192.0.2.10'));
    await h.alerts.evaluateNow();
    expect(await forIp('192.0.2.10')).toHaveLength(1);
    h.clock.advance(2000);
    await h.insert(burst('192.0.2.10'));
    await h.alerts.evaluateNow();
    expect(await forIp('192.0.2.10')).toHaveLength(2);
  });

  it('raise(): the same dedupKey twice is one alert (outbox row and audit row); after the window, another', async () => {
    const alert = {
      rule: 'secret_max_age',
      severity: 'low' as const,
      summary: 's',
      dedupKey: 'test:raise',
      details: {},
    };
    const [a, b] = await Promise.all([h.alerts.raise(alert), h.alerts.raise(alert)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    h.clock.advance(HOUR + 1);
    expect(await h.alerts.raise(alert)).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number((await t.db('alert_outbox').where({ dedup_key: 'test:raise' }).count('* as n'))[0]!.n)).toBe(2);
    expect(await h.raised('secret_max_age')).toHaveLength(2);
  });
});

describe('raise() for other code', () => {
  it('never rejects: a bad alert or a refused write resolves null and is logged', async () => {
    expect(await h.alerts.raise({} as never)).toBeNull();
    // PostgreSQL text cannot hold NUL: the insert fails.
    const refused = { rule: 'x', severity: 'low' as const, summary: 's', dedupKey: 'a\u0000b' };
    expect(await h.alerts.raise(refused)).toBeNull();
    expect(h.logLines.filter((l) => JSON.parse(l).msg === 'alert not recorded')).toHaveLength(2);
  });
});

describe('cursor', () => {
  it('a new service over the same database (a restart) judges each row once: none missed, none repeated', async () => {
    await h.insert(burst('192.0.2.20'));
    const first = alertsHarness(t.db, { clock: h.clock });
    expect((await first.alerts.evaluateNow()).raised).toBe(1);
    await first.close();
    const second = alertsHarness(t.db, { clock: h.clock });
    expect((await second.alerts.evaluateNow()).raised).toBe(0);
    await h.insert(burst('192.0.2.21'));
    expect((await second.alerts.evaluateNow()).raised).toBe(1);
    await second.close();
    expect((await forIp('192.0.2.20')).length + (await forIp('192.0.2.21')).length).toBe(2);
  });

  it('rows younger than ALERT_EVAL_SETTLE_MS wait for a later run', async () => {
    const settling = alertsHarness(t.db, { clock: h.clock, env: { ALERT_EVAL_SETTLE_MS: '5000' } });
    await h.insert(spread(10, { type: 'admin.login_failed', actor: 'u-30', ip: '192.0.2.30' }, 2000));
    expect((await settling.alerts.evaluateNow()).raised).toBe(0);
    h.clock.advance(5001);
    expect((await settling.alerts.evaluateNow()).raised).toBe(1);
    await settling.close();
  });

  it('ALERT_RULES_DISABLED turns a rule off', async () => {
    const off = alertsHarness(t.db, { clock: h.clock, env: { ALERT_RULES_DISABLED: 'signin_failures' } });
    await h.insert(burst('192.0.2.40'));
    await off.alerts.evaluateNow();
    await off.close();
    expect(await forIp('192.0.2.40')).toEqual([]);
  });
});

describe('several instances on one PostgreSQL', () => {
  it('two evaluators at once raise each incident once (advisory lock, cursor)', async (ctx) => {
    if (t.engine !== 'postgresql') ctx.skip(); // PGlite is one process: there is no second instance
    const other = createDb({ databaseUrl: t.url, poolMax: 4 });
    const clock = createFakeClock(h.clock.now());
    const a = alertsHarness(t.db, { clock });
    const b = alertsHarness(other, { clock });
    try {
      const ips = Array.from({ length: 8 }, (_, i) => `192.0.2.${100 + i}`);
      for (const ip of ips) await h.insert(burst(ip));
      const runs = await Promise.all([a.alerts.evaluateNow(), b.alerts.evaluateNow(), a.alerts.evaluateNow()]);
      expect(runs.reduce((n, r) => n + r.raised, 0)).toBe(8);
      await Promise.all([a.alerts.evaluateNow(), b.alerts.evaluateNow()]);
      for (const ip of ips) expect(await forIp(ip)).toHaveLength(1);
      // raise() from two instances at once: the dedup is the database's.
      const alert = { rule: 'y', severity: 'low' as const, summary: 's', dedupKey: 'test:two-instances' };
      const ids = await Promise.all([a.alerts.raise(alert), b.alerts.raise(alert), b.alerts.raise(alert)]);
      expect(ids.filter(Boolean)).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
      await other.destroy();
    }
  });
});
