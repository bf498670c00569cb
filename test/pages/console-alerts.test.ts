// The console's alerts page (/admin/alerts): open incidents raised through services.alerts.raise,
// acknowledging one (owners only, with the session's CSRF token), and the webhook's delivery status.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { consoleAdmin, post, type ConsoleAdmin } from '../support/console-flows.js';
import { heading, startInteractionServer } from '../support/page-flows.js';
import { deliveryStatus } from '../../src/alerts/alert-inbox.js';
import { presentAlerts } from '../../src/pages/admin-console/alerts/present-alerts.js';

const HOOK_PATH = '/hooks/t0ken-in-the-path';
const HOOK_SECRET = 'whsec-0123456789abcdef0123456789abcdef';

describe('console alerts page', () => {
  let s: TestServer;
  let owner: ConsoleAdmin;
  let auditor: ConsoleAdmin;
  let burst: string;
  let burstAgain: string;
  let other: string;
  const outbox = () => s.runtime.db('alert_outbox').orderBy('created_at');

  beforeAll(async () => {
    s = await startInteractionServer({
      // Nothing listens on port 9: every delivery fails (connection refused), then gives up.
      ALERT_WEBHOOK_URL: `http://127.0.0.1:9${HOOK_PATH}`,
      ALERT_WEBHOOK_SECRET: HOOK_SECRET,
      ALERT_WEBHOOK_MAX_ATTEMPTS: '2',
      ALERT_EVAL_INTERVAL_MS: '0',
    });
    const raise = (dedupKey: string, severity: 'critical' | 'low', summary: string) =>
      s.runtime.alerts.raise({
        rule: 'test_burst',
        severity,
        clientId: 'c_acme',
        ip: '198.51.100.4',
        summary,
        dedupKey,
      });
    burst = (await raise('burst:acme', 'critical', 'Acme called 900 times in 5 minutes'))!;
    // The raise kicks the deliverer: wait for its (failed) attempt.
    await vi.waitFor(async () => expect((await outbox())[0]).toMatchObject({ attempts: 1 }), { timeout: 10_000 });
    s.clock.advance(3601_000); // past the dedup window: the same incident is raised again
    burstAgain = (await raise('burst:acme', 'critical', 'Acme called 1200 times in 5 minutes'))!;
    other = (await raise('burst:beta', 'low', 'Beta called 300 times in 5 minutes'))!;
    await vi.waitFor(
      async () => {
        const rows = await outbox();
        expect(rows.map((r) => [r.attempts, r.failed_at !== null])).toEqual([
          [2, true],
          [1, false],
          [1, false],
        ]);
        expect(rows.every((r) => r.last_error)).toBe(true);
      },
      { timeout: 10_000 },
    );
    owner = await consoleAdmin(s, 'olga', 'owner');
    auditor = await consoleAdmin(s, 'aude', 'auditor');
  });
  afterAll(() => s.close());

  it('signed out: the page goes to sign-in, a POST is refused', async () => {
    const res = await fetch(`${s.baseUrl}/admin/alerts`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/sign-in');
    const posted = await fetch(`${s.baseUrl}/admin/alerts/${burst}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=x',
      redirect: 'manual',
    });
    expect(posted.status).toBe(401);
  });

  it('lists open incidents: repeats on one row, with first and last seen and a count', async () => {
    const page = await owner.browser.go('GET', '/admin/alerts');
    expect(page.status).toBe(200);
    expect(heading(page.html)).toBe('Alerts');
    const rows = [...page.html.matchAll(/<tr id="alert-([^"]+)">([\s\S]*?)<\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual([burstAgain, other]); // critical first
    const first = rows[0]![2]!;
    expect(first).toContain('<span class="status status-fail">critical</span>');
    expect(first).toContain('Acme called 1200 times in 5 minutes');
    expect(first).toContain('app c_acme, IP 198.51.100.4');
    expect(first).toMatch(/data-label="Times" class="num">2</);
    const [firstSeen, lastSeen] = [...first.matchAll(/<time datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]!));
    expect(lastSeen! - firstSeen!).toBe(3601_000);
    expect(first).toContain(`action="/admin/alerts/${burstAgain}/acknowledge"`);
  });

  it('shows the webhook delivery status without its secret or path', async () => {
    const page = await auditor.browser.go('GET', '/admin/alerts');
    expect(page.html).toContain('Configured, but some alerts could not be delivered after every retry.');
    expect(page.html).toContain('<dd class="stat-text">http://127.0.0.1:9</dd>');
    expect(page.html).toMatch(/id="pending-count">2</);
    expect(page.html).toMatch(/id="failed-count">1</);
    const failed = /<table[^>]*id="failed-table"[\s\S]*?<\/table>/.exec(page.html)![0];
    expect(failed).toContain(`<code>${burst}</code>`);
    expect(failed).toMatch(/data-label="Attempts" class="num">2</);
    const pending = /<table[^>]*id="pending-table"[\s\S]*?<\/table>/.exec(page.html)![0];
    expect(pending).toContain(`<code>${other}</code>`);
    expect(pending).toMatch(/data-label="Last error">[^<]*ECONNREFUSED/);
    expect(page.html).not.toContain(HOOK_PATH);
    expect(page.html).not.toContain(HOOK_SECRET);

    // Without a webhook the page says so.
    const unset = presentAlerts(
      [],
      await deliveryStatus(s.runtime.db, { ...s.config.alerts.webhook, url: null, secret: null }),
    );
    expect(unset.delivery).toMatchObject({ configured: false, target: null });
    expect(unset.delivery.state.text).toMatch(/^Not configured: alerts are audited and kept here, but not sent/);
  });

  it('an auditor sees no acknowledge control and is refused if it posts; without CSRF nothing changes', async () => {
    const page = await auditor.browser.go('GET', '/admin/alerts');
    expect(page.html).not.toContain('/acknowledge"');
    const refused = await post(auditor.browser, page, `/admin/alerts/${burstAgain}/acknowledge`);
    expect(refused.status).toBe(403);
    const forged = await owner.browser.go('POST', `/admin/alerts/${burstAgain}/acknowledge`, {});
    expect(forged.status).toBe(403);
    expect(await s.runtime.db('alert_outbox').whereNotNull('acknowledged_at')).toEqual([]);
    await s.runtime.audit.flush();
    expect((await s.runtime.audit.list({ type: 'console.refused', actor: 'aude' }))[0]).toMatchObject({
      route: `POST /admin/alerts/${burstAgain}/acknowledge`,
    });
  });

  it('an owner acknowledges an incident: every row of it leaves the open list, audited with the owner', async () => {
    const page = await owner.browser.go('GET', '/admin/alerts');
    const done = await post(owner.browser, page, `/admin/alerts/${burstAgain}/acknowledge`);
    expect(done.status).toBe(200);
    expect(done.url).toMatch(/\/admin\/alerts\?done=acknowledged$/);
    expect(done.html).toContain('Alert acknowledged.');
    expect(done.html).not.toContain(`id="alert-${burstAgain}"`);
    expect(done.html).toContain(`id="alert-${other}"`);
    const acked = await s.runtime.db('alert_outbox').whereNotNull('acknowledged_at').orderBy('created_at');
    expect(acked.map((r) => [r.id, r.acknowledged_by])).toEqual([
      [burst, 'olga'],
      [burstAgain, 'olga'],
    ]);
    expect((await s.runtime.alerts.open()).map((a) => a.id)).toEqual([other]);
    await s.runtime.audit.flush();
    expect((await s.runtime.audit.list({ type: 'alert.acknowledged' }))[0]).toMatchObject({
      actor: 'olga',
      details: { alertId: burstAgain, rule: 'test_burst', dedupKey: 'burst:acme', rows: 2 },
    });
    // Once is enough: the second time there is no open alert by that id.
    const again = await post(owner.browser, done, `/admin/alerts/${burstAgain}/acknowledge`);
    expect(again.status).toBe(404);
    expect(await s.runtime.alerts.acknowledge('no-such-alert', 'olga')).toBe(false);
  });
});
