// Each anomaly rule over the audit trail: the rows that should trigger it raise exactly one
// `alert.raised` for the incident, rows just below its threshold raise none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { alertsHarness, spread, type AlertsHarness } from './alerts-harness.js';
import type { ActiveHours } from '../../src/alerts/alert-rule.js';

let t: TestDb;
let h: AlertsHarness;
const hours = new Map<string, ActiveHours>();
const sessions: { sessionId: string; adminUsername: string | null; signedInAt: Date | null }[] = [];
beforeAll(async () => {
  t = await createTestDb();
  h = alertsHarness(t.db, {
    env: { ALERT_VOLUME_MIN: '20' },
    deps: { activeHoursFor: (id) => hours.get(id) ?? null, openAdminSessions: async () => sessions },
  });
});
afterAll(async () => {
  await h.close();
  await t.destroy();
});

const MIN = 60_000;
const byKey = async (rule: string, field: 'ip' | 'actor' | 'client_id', value: string) =>
  (await h.raised(rule)).filter((a) => (a as Record<string, unknown>)[field] === value);

describe('signin_failures', () => {
  it('10 failed passwords or codes from one IP within 5 minutes: one alert; 9, or 10 spread out: none', async () => {
    await h.insert([
      ...spread(6, { type: 'admin.login_failed', actor: 'alice', ip: '198.51.100.7' }, 4 * MIN),
      ...spread(3, { type: 'admin.totp_failed', actor: 'alice', ip: '198.51.100.7' }, 30_000),
      ...spread(1, { type: 'admin.passkey_failed', actor: 'alice', ip: '198.51.100.7' }, 30_000),
      ...spread(9, { type: 'admin.login_failed', actor: 'dave', ip: '198.51.100.8' }, 2 * MIN),
      ...spread(10, { type: 'admin.login_failed', actor: 'erin', ip: '198.51.100.9' }, 60 * MIN),
    ]);
    await h.alerts.evaluateNow();
    const alerts = await h.raised('signin_failures');
    expect(alerts.map((a) => a.details.dedupKey)).toEqual(['signin_failures:ip:198.51.100.7']);
    expect(alerts[0]!.details).toMatchObject({ count: 10, threshold: 10, by: 'ip', severity: 'high' });
  });

  it('10 failures for one account from many IPs: one alert for the account, none per IP', async () => {
    await h.insert(
      Array.from({ length: 10 }, (_, i) => ({ type: 'admin.login_failed', actor: 'bob', ip: `203.0.113.${i + 1}` })),
    );
    await h.alerts.evaluateNow();
    expect((await byKey('signin_failures', 'actor', 'bob')).map((a) => a.details.sources)).toEqual([10]);
    expect((await h.raised('signin_failures')).filter((a) => a.details.by === 'ip')).toHaveLength(1); // alice's only
  });
});

describe('token_failures', () => {
  it('20 token endpoint failures of one client within 5 minutes: one alert; 19: none', async () => {
    const failure = (clientId: string) => ({ type: 'oauth.error', clientId, details: { route: 'token' } });
    await h.insert([...spread(20, failure('tok-a'), 4 * MIN), ...spread(19, failure('tok-b'), MIN)]);
    // Authorization endpoint errors are not token endpoint failures.
    await h.insert(spread(5, { type: 'oauth.error', clientId: 'tok-b', details: { route: 'authorization' } }, MIN));
    await h.alerts.evaluateNow();
    expect((await h.raised('token_failures')).map((a) => a.client_id)).toEqual(['tok-a']);
  });
});

describe('volume_spike', () => {
  it('a client 5× above its own hourly average: one alert; below it, or without history: none', async () => {
    const DAY = 24 * 60 * MIN;
    const call = (clientId: string) => ({ type: 'gateway.call', clientId, route: 'GET /V1/products', ip: '192.0.2.1' });
    await h.insert([
      // vol-a: 1 call an hour for 7 days, then 40 in the last hour.
      ...spread(168, call('vol-a'), 7 * DAY - 2 * 60 * MIN, 61 * MIN),
      ...spread(40, call('vol-a'), 50 * MIN),
      // vol-b: 10 an hour, then 40 (4×).
      ...spread(1680, call('vol-b'), 7 * DAY - 2 * 60 * MIN, 61 * MIN),
      ...spread(40, call('vol-b'), 50 * MIN),
      // vol-c: new, 40 calls: its first hour is its baseline.
      ...spread(40, call('vol-c'), 50 * MIN),
      // vol-d: like vol-a but only 15 calls this hour (under ALERT_VOLUME_MIN=20).
      ...spread(168, call('vol-d'), 7 * DAY - 2 * 60 * MIN, 61 * MIN),
      ...spread(15, call('vol-d'), 50 * MIN),
    ]);
    await h.alerts.evaluateNow();
    const alerts = await h.raised('volume_spike');
    expect(alerts.map((a) => a.client_id)).toEqual(['vol-a']);
    expect(alerts[0]!.details).toMatchObject({ count: 40, factor: 5 });
  });
});

describe('new_network and new_country', () => {
  it('the first use is the baseline; a new /24 and a new country each raise one alert', async () => {
    const use = (ip: string, country: string) => ({ type: 'gateway.call', clientId: 'geo-a', ip, country });
    await h.insert([
      use('203.0.113.5', 'FR'),
      { type: 'token.issued', clientId: 'geo-a', ip: '203.0.113.5', country: 'FR' },
    ]);
    await h.alerts.evaluateNow();
    await h.insert([use('203.0.113.99', 'FR'), use('203.0.113.5', 'FR')]);
    await h.alerts.evaluateNow();
    expect(await byKey('new_network', 'client_id', 'geo-a')).toEqual([]);
    expect(await byKey('new_country', 'client_id', 'geo-a')).toEqual([]);

    await h.insert([use('198.51.100.1', 'FR'), use('198.51.100.1', 'FR')]);
    await h.alerts.evaluateNow();
    expect((await byKey('new_network', 'client_id', 'geo-a')).map((a) => a.details.network)).toEqual([
      '198.51.100.0/24',
    ]);
    await h.insert([use('198.51.100.2', 'DE')]);
    await h.alerts.evaluateNow();
    expect((await byKey('new_network', 'client_id', 'geo-a')).length).toBe(1);
    expect((await byKey('new_country', 'client_id', 'geo-a')).map((a) => a.details.country)).toEqual(['DE']);
  });

  it('IPv6 callers are grouped by /48', async () => {
    const use = (ip: string) => ({ type: 'gateway.call', clientId: 'geo-v6', ip });
    await h.insert([use('2001:db8:1:1::1')]);
    await h.alerts.evaluateNow();
    await h.insert([use('2001:db8:1:ffff::2')]);
    await h.alerts.evaluateNow();
    expect(await byKey('new_network', 'client_id', 'geo-v6')).toEqual([]);
    await h.insert([use('2001:db8:2::1')]);
    await h.alerts.evaluateNow();
    expect((await byKey('new_network', 'client_id', 'geo-v6')).map((a) => a.details.network)).toEqual([
      '2001:db8:2::/48',
    ]);
  });
});

describe('denied_country', () => {
  it('any row refused for its country raises one alert per client and country; other refusals none', async () => {
    const denied = { type: 'gateway.denied', clientId: 'deny-a', ip: '192.0.2.50', country: 'KP' };
    await h.insert([
      { ...denied, details: { reason: 'country_denied' } },
      { ...denied, details: { reason: 'country_denied' } },
      {
        type: 'oauth.error',
        clientId: 'deny-b',
        ip: '192.0.2.51',
        country: 'DE',
        details: { reason: 'invalid_client' },
      },
    ]);
    await h.alerts.evaluateNow();
    const alerts = await h.raised('denied_country');
    expect(alerts.map((a) => [a.client_id, a.details.dedupKey])).toEqual([['deny-a', 'denied_country:deny-a:KP']]);
  });
});

describe('admin_new_country', () => {
  it('an admin signing in from a country never seen for them: one alert; the first country is the baseline', async () => {
    const login = (country: string) => ({
      type: 'admin.login',
      outcome: 'success',
      actor: 'carol',
      ip: '192.0.2.9',
      country,
    });
    await h.insert([login('FR')]);
    await h.alerts.evaluateNow();
    await h.insert([login('FR')]);
    await h.alerts.evaluateNow();
    expect(await byKey('admin_new_country', 'actor', 'carol')).toEqual([]);
    await h.insert([login('BR'), login('BR')]);
    await h.alerts.evaluateNow();
    expect((await byKey('admin_new_country', 'actor', 'carol')).map((a) => a.details.country)).toEqual(['BR']);
  });
});

describe('bulk_reads', () => {
  it('200 order or customer reads by one client within 5 minutes: one alert; 199, or writes: none', async () => {
    const read = (clientId: string, route: string) => ({ type: 'gateway.call', clientId, route, status: 200 });
    await h.insert([
      ...spread(150, read('bulk-a', 'GET /V1/orders'), 4 * MIN),
      ...spread(50, read('bulk-a', 'GET /V1/customers/:customerId'), MIN),
      ...spread(199, read('bulk-b', 'GET /V1/orders/:id'), MIN),
      ...spread(50, read('bulk-b', 'GET /V1/products'), MIN),
      ...spread(50, read('bulk-b', 'POST /V1/orders'), MIN),
    ]);
    // Rows from before the route column name the route in details.
    await h.insert(
      spread(200, { type: 'gateway.call', clientId: 'bulk-c', details: { route: 'GET /V1/orders' } }, MIN),
    );
    await h.alerts.evaluateNow();
    expect((await h.raised('bulk_reads')).map((a) => [a.client_id, a.details.count])).toEqual([
      ['bulk-a', 200],
      ['bulk-c', 200],
    ]);
  });
});

describe('outside_active_hours', () => {
  it("a call outside a client's hours (in its time zone) raises one alert; calls inside them none", async () => {
    hours.set('hours-a', { start: '09:00', end: '17:00', timeZone: 'Europe/Paris' });
    hours.set('hours-b', { start: '09:00', end: '17:00', timeZone: 'Europe/Paris' });
    const call = (clientId: string, at: string) => ({ type: 'gateway.call', clientId, at: new Date(at) });
    await h.insert([
      call('hours-a', '2026-12-01T09:30:00Z'), // 10:30 in Paris
      call('hours-a', '2026-12-01T02:00:00Z'), // 03:00 in Paris
      call('hours-a', '2026-12-01T16:30:00Z'), // 17:30 in Paris
      call('hours-b', '2026-12-01T08:00:00Z'), // 09:00
      call('hours-b', '2026-12-01T15:59:00Z'), // 16:59
      call('hours-none', '2026-12-01T02:00:00Z'), // no hours configured
    ]);
    await h.alerts.evaluateNow();
    const alerts = await h.raised('outside_active_hours');
    expect(alerts.map((a) => [a.client_id, a.details.count, a.details.firstAt])).toEqual([
      ['hours-a', 2, '2026-12-01T02:00:00.000Z'],
    ]);
  });
});

describe('long_session', () => {
  it('an admin session open longer than ALERT_SESSION_MAX_HOURS: one alert, however many runs see it', async () => {
    const now = h.clock.now();
    sessions.push(
      { sessionId: 'sess-old', adminUsername: 'frank', signedInAt: new Date(now - 13 * 60 * MIN) },
      { sessionId: 'sess-new', adminUsername: 'grace', signedInAt: new Date(now - 2 * 60 * MIN) },
    );
    await h.alerts.evaluateNow();
    h.clock.advance(2 * 60 * MIN);
    await h.alerts.evaluateNow();
    const alerts = await h.raised('long_session');
    expect(alerts.map((a) => [a.actor, a.details.sessionId])).toEqual([['frank', 'sess-old']]);
    sessions.length = 0;
  });
});
