// Alert delivery: signed POSTs a receiver verifies with the snippet docs/operators.md gives
// operators, retries with backoff, nothing lost across a restart, never sent twice by two instances.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb } from '../../src/db/create-db.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { createFakeClock } from '../support/fake-clock.js';
import { testTmpDir } from '../support/test-env.js';
import { startTestServer } from '../support/test-server.js';
import { alertsHarness, spread } from './alerts-harness.js';

const SECRET = 'w'.repeat(40);
type Verify = (secret: string, headers: IncomingHttpHeaders, body: string, nowS?: number) => boolean;
let verifyBridgeAlert: Verify;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A webhook receiver on 127.0.0.1: answers `status()` (after `delayMs`) and keeps what it got. */
async function startReceiver(opts: { status?: () => number; delayMs?: number } = {}) {
  const got: Delivery[] = [];
  let status = opts.status ?? (() => 200);
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const answer = status();
      got.push({ headers: req.headers, body, status: answer });
      setTimeout(() => res.writeHead(answer).end(), opts.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/bridge`,
    got,
    answer(next: () => number) {
      status = next;
    },
    ids: () => got.map((d) => String(d.headers['x-bridge-delivery'])),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let t: TestDb;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  // The operators' snippet, verbatim from the docs: what this file checks is what they are told to run.
  const doc = readFileSync(new URL('../../docs/operators.md', import.meta.url), 'utf8');
  const snippet = /```js verify-alert-signature\n([\s\S]*?)```/.exec(doc)![1]!;
  expect(snippet.split('\n').length).toBeLessThanOrEqual(11);
  const file = join(testTmpDir('verify-'), 'verify.mjs');
  writeFileSync(file, snippet);
  ({ verifyBridgeAlert } = (await import(pathToFileURL(file).href)) as { verifyBridgeAlert: Verify });
  t = await createTestDb();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await t.destroy();
});

const env = (extra: Record<string, string> = {}) => ({
  ALERT_WEBHOOK_URL: receiver.url,
  ALERT_WEBHOOK_SECRET: SECRET,
  ...extra,
});
const alert = (key: string) => ({
  rule: 'test_rule',
  severity: 'high' as const,
  summary: `incident ${key}`,
  ip: '203.0.113.7',
  details: { count: 3 },
  dedupKey: `test:${key}`,
});
const outboxRow = async (id: string) => t.db('alert_outbox').where({ id }).first();
const auditCount = async (type: string, alertId: string) =>
  Number(
    (await t.db('audit_events').where({ type }).whereRaw(`details->>'alertId' = ?`, [alertId]).count('* as n'))[0]!.n,
  );

describe('alert webhook', () => {
  it('signs each POST as documented; a 500 is retried after the backoff and the 200 delivers it, once', async () => {
    const h = alertsHarness(t.db, { env: env() });
    try {
      let calls = 0;
      receiver.answer(() => (++calls === 1 ? 500 : 200));
      const id = (await h.alerts.raise(alert('retry')))!;
      expect(await h.alerts.deliverNow()).toBe(0);
      expect(receiver.ids()).toEqual([id]);
      // Not due before the first backoff (5 s, plus up to 20 % jitter).
      h.clock.advance(4000);
      expect(await h.alerts.deliverNow()).toBe(0);
      expect(receiver.got).toHaveLength(1);
      h.clock.advance(2001);
      expect(await h.alerts.deliverNow()).toBe(1);
      h.clock.advance(3600_000);
      expect(await h.alerts.deliverNow()).toBe(0);
      expect(receiver.ids()).toEqual([id, id]);

      const last = receiver.got[1]!;
      expect(last.headers['content-type']).toBe('application/json');
      expect(verifyBridgeAlert(SECRET, last.headers, last.body)).toBe(true);
      expect(verifyBridgeAlert('x'.repeat(40), last.headers, last.body)).toBe(false);
      expect(verifyBridgeAlert(SECRET, last.headers, last.body.replace('incident', 'Incident'))).toBe(false);
      const ts = Number(last.headers['x-bridge-timestamp']);
      expect(verifyBridgeAlert(SECRET, last.headers, last.body, ts + 301)).toBe(false);
      expect(JSON.parse(last.body)).toMatchObject({
        id,
        rule: 'test_rule',
        severity: 'high',
        summary: 'incident retry',
        ip: '203.0.113.7',
        clientId: null,
        details: { count: 3 },
        dedupKey: 'test:retry',
      });
      expect(await outboxRow(id)).toMatchObject({ attempts: 2, last_error: null });
      expect((await outboxRow(id)).delivered_at).not.toBeNull();
      await h.audit.flush();
      expect(await auditCount('alert.raised', id)).toBe(1);
      expect(await auditCount('alert.delivered', id)).toBe(1);
    } finally {
      receiver.answer(() => 200);
      receiver.got.length = 0;
      await h.close();
    }
  });

  it('gives up after ALERT_WEBHOOK_MAX_ATTEMPTS: marked failed and audited, not sent again', async () => {
    const h = alertsHarness(t.db, { env: env({ ALERT_WEBHOOK_MAX_ATTEMPTS: '2', ALERT_WEBHOOK_BACKOFF_S: '1' }) });
    try {
      receiver.answer(() => 503);
      const id = (await h.alerts.raise(alert('give-up')))!;
      await h.alerts.deliverNow();
      h.clock.advance(1300);
      await h.alerts.deliverNow();
      h.clock.advance(3600_000);
      await h.alerts.deliverNow();
      expect(receiver.ids()).toEqual([id, id]);
      expect(await outboxRow(id)).toMatchObject({ attempts: 2, delivered_at: null, last_error: 'HTTP 503' });
      expect((await outboxRow(id)).failed_at).not.toBeNull();
      await h.audit.flush();
      expect(await auditCount('alert.delivery_failed', id)).toBe(1);
    } finally {
      receiver.answer(() => 200);
      receiver.got.length = 0;
      await h.close();
    }
  });

  it('without ALERT_WEBHOOK_URL an alert is audited and kept in the outbox, undelivered', async () => {
    const h = alertsHarness(t.db);
    try {
      const id = (await h.alerts.raise(alert('no-url')))!;
      expect(await h.alerts.deliverNow()).toBe(0);
      expect(await outboxRow(id)).toMatchObject({ attempts: 0, delivered_at: null, failed_at: null });
      expect(await auditCount('alert.raised', id)).toBe(1);
      expect(receiver.got).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('a restart (a new service over the same database) delivers what the outbox still holds, each once', async () => {
    const clock = createFakeClock();
    const before = alertsHarness(t.db, { env: env(), clock });
    receiver.answer(() => 500);
    const ids = [
      (await before.alerts.raise(alert('restart-1')))!,
      (await before.alerts.raise(alert('restart-2')))!,
      (await before.alerts.raise(alert('restart-3')))!,
    ];
    await before.alerts.deliverNow();
    await before.close();
    const answered = (status: number) =>
      receiver.got.filter((d) => d.status === status).map((d) => String(d.headers['x-bridge-delivery']));
    expect(
      answered(500)
        .filter((id) => ids.includes(id))
        .sort(),
    ).toEqual([...ids].sort());

    receiver.answer(() => 200);
    const after = alertsHarness(t.db, { env: env(), clock });
    try {
      clock.advance(6001);
      expect(await after.alerts.deliverNow()).toBe(4);
      clock.advance(3600_000);
      expect(await after.alerts.deliverNow()).toBe(0);
      // Also the alert the test without a URL left in the outbox: 4 in all, each delivered once.
      const noUrl = (await t.db('alert_outbox').where({ dedup_key: 'test:no-url' }).first()).id;
      expect(answered(200).sort()).toEqual([...ids, noUrl].sort());
      // Only the one given up on is left undelivered.
      expect(await t.db('alert_outbox').whereNull('delivered_at').pluck('dedup_key')).toEqual(['test:give-up']);
    } finally {
      receiver.got.length = 0;
      await after.close();
    }
  });

  it('two deliverers on one PostgreSQL database never send an alert twice', async (ctx) => {
    if (t.engine !== 'postgresql') ctx.skip(); // PGlite is one process: there is no second instance
    const slow = await startReceiver({ delayMs: 30 });
    const other = createDb({ databaseUrl: t.url, poolMax: 4 });
    const clock = createFakeClock();
    const e = { ALERT_WEBHOOK_URL: slow.url, ALERT_WEBHOOK_SECRET: SECRET };
    const a = alertsHarness(t.db, { env: e, clock });
    const b = alertsHarness(other, { env: e, clock });
    try {
      const ids = await Promise.all(Array.from({ length: 45 }, (_, i) => a.alerts.raise(alert(`pair-${i}`))));
      const counts = await Promise.all([a.alerts.deliverNow(), b.alerts.deliverNow(), b.alerts.deliverNow()]);
      expect(counts.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(45);
      expect(new Set(slow.ids()).size).toBe(slow.got.length);
      expect(
        slow
          .ids()
          .filter((id) => ids.includes(id))
          .sort(),
      ).toEqual([...ids].sort());
      expect(slow.got.every((d) => verifyBridgeAlert(SECRET, d.headers, d.body))).toBe(true);
    } finally {
      await a.close();
      await b.close();
      await other.destroy();
      await slow.close();
    }
  });
});

describe('loops', () => {
  it('start() sends what the outbox holds at once; stop() clears every timer it made, nothing is sent after', async () => {
    const h = alertsHarness(t.db, { env: env({ ALERT_EVAL_INTERVAL_MS: '1000', ALERT_DELIVERY_INTERVAL_MS: '100' }) });
    const made = vi.spyOn(globalThis, 'setInterval');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const id = (await h.alerts.raise(alert('loops')))!;
      h.alerts.start();
      const timers = made.mock.results.map((r) => r.value);
      expect(made).toHaveBeenCalledTimes(2); // the evaluator and the deliverer
      const deadline = Date.now() + 5000;
      while (!receiver.ids().includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(receiver.ids()).toEqual([id]);
      await h.alerts.stop();
      for (const timer of timers) expect(cleared).toHaveBeenCalledWith(timer);
      const later = (await h.alerts.raise(alert('after-stop')))!;
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.ids()).not.toContain(later);
      expect((await outboxRow(later)).attempts).toBe(0);
    } finally {
      vi.restoreAllMocks();
      receiver.got.length = 0;
      await h.close();
    }
  });
});

describe('alerts in the running server', () => {
  it('runtime.start() runs the evaluator and the deliverer: a burst of failed sign-ins reaches the webhook', async () => {
    const hooked = await startReceiver();
    const s = await startTestServer({
      env: {
        ALERT_WEBHOOK_URL: hooked.url,
        ALERT_WEBHOOK_SECRET: SECRET,
        ALERT_EVAL_INTERVAL_MS: '100',
        ALERT_EVAL_SETTLE_MS: '0',
      },
    });
    try {
      const now = s.clock.now();
      const rows = spread(10, { type: 'admin.login_failed', ip: '198.51.100.77' }, 60_000).map((r) => ({
        at: new Date(now - (r.ago ?? 0)),
        type: r.type,
        outcome: 'failure',
        actor: 'someone',
        ip: r.ip,
      }));
      await s.testDb.db('audit_events').insert(rows);
      void s.runtime.alerts.raise({ ...alert('runtime'), rule: 'secret_max_age' });
      const deadline = Date.now() + 10_000;
      while (hooked.got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const rules = hooked.got.map((d) => JSON.parse(d.body).rule).sort();
      expect(rules).toEqual(['secret_max_age', 'signin_failures']);
      expect(hooked.got.every((d) => verifyBridgeAlert(SECRET, d.headers, d.body))).toBe(true);
    } finally {
      await s.close();
      await hooked.close();
    }
  });
});
