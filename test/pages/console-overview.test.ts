// The console's overview (/admin): charts of the last 7 or 30 days from the audit trail, with their
// numbers as tables, store link health and secrets due for rotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { consoleAdmin, type ConsoleAdmin } from '../support/console-flows.js';
import { Browser, PASSWORD, createClient, heading, startInteractionServer } from '../support/page-flows.js';
import { presentBarChart, niceCeiling } from '../../src/pages/admin-console/overview/bar-chart.js';

const DAY = 86_400_000;
const TODAY = Date.parse('2026-12-08T00:00:00Z');
const at = (day: number, hour: number) => TODAY + day * DAY + hour * 3600_000;

/** The rows of the table with `id`: [label, ...numbers]. */
function tableRows(html: string, id: string): string[][] {
  const table = new RegExp(`<table[^>]*id="${id}"[^>]*>([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (!table) throw new Error(`no table ${id}`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)![1]!;
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()),
  );
}
const bars = (html: string, id: string) => {
  const fig = new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`).exec(html)![1]!;
  return [
    ...fig.matchAll(
      /<rect class="bar[^"]*" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" data-value="(\d+)"/g,
    ),
  ].map((m) => ({ height: Number(m[1]), value: Number(m[2]) }));
};

describe('console overview', () => {
  let s: TestServer;
  let owner: ConsoleAdmin;
  let acme: string;
  let beta: string;
  beforeAll(async () => {
    s = await startInteractionServer();
    const audit = s.runtime.audit;
    // Acme's secret was issued 100 days ago: due for rotation (CLIENT_SECRET_MAX_AGE_DAYS 90).
    s.clock.set(TODAY - 100 * DAY);
    acme = (await createClient(s)).clientId;
    s.clock.set(at(-9, 12));
    beta = (
      await s.runtime.clients.create({
        name: 'Beta Reports',
        type: 'confidential',
        redirectUris: ['https://beta.example/cb'],
        scopes: ['catalog:read'],
        grantTypes: ['authorization_code'],
      })
    ).client.clientId;
    // Outside the 7-day window, inside the 30-day one.
    await audit.record({ type: 'token.issued', outcome: 'success', clientId: acme });
    const call = (clientId: string | null, status: number, type: 'gateway.call' | 'gateway.denied' = 'gateway.call') =>
      audit.record({
        type,
        outcome: status < 400 ? 'success' : 'failure',
        clientId,
        status,
        route: 'GET /V1/products',
      });
    s.clock.set(at(-2, 10));
    for (let i = 0; i < 3; i++) await audit.record({ type: 'token.issued', outcome: 'success', clientId: acme });
    await call(acme, 200);
    await call(acme, 200);
    await call(acme, 502);
    s.clock.set(at(-1, 23));
    await audit.record({ type: 'token.issued', outcome: 'success', clientId: beta });
    await call(null, 401, 'gateway.denied');
    await call(beta, 404);
    await audit.flush();
    s.clock.set(at(0, 9));
    for (let i = 0; i < 2; i++) await audit.record({ type: 'token.issued', outcome: 'success', clientId: acme });
    await call(acme, 304);
    await s.runtime.alerts.raise({ rule: 'test_rule', severity: 'high', summary: 'Something odd', dedupKey: 'odd:1' });
    await s.runtime.links.ensure(acme);
    await s.runtime.links.ensure(beta);
    await s.runtime.links.markFailed(beta, null, 'Magento refused the token exchange');
    await audit.flush();
    owner = await consoleAdmin(s, 'olga', 'owner');
    // Two failed sign-ins today, through the real sign-in page.
    for (let i = 0; i < 2; i++) {
      const b = new Browser(s.baseUrl);
      const login = await b.go('GET', '/admin/sign-in');
      expect((await b.submit(login, 'sign-in', { username: 'olga', password: `${PASSWORD}!` })).status).toBe(401);
    }
    await audit.flush();
  });
  afterAll(() => s.close());

  it('signed out, /admin goes to the sign-in page', async () => {
    const res = await fetch(`${s.baseUrl}/admin`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/sign-in');
  });

  it('charts the last 7 days per UTC day, days without events as zero bars, each with its table', async () => {
    const page = await owner.browser.go('GET', '/admin');
    expect(page.status).toBe(200);
    expect(heading(page.html)).toBe('Admin console');
    const days = ['2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08'];
    expect(tableRows(page.html, 'chart-tokens-table')).toEqual(
      days.map((d, i) => [d, String([0, 0, 0, 0, 3, 1, 2][i])]),
    );
    const tokenBars = bars(page.html, 'chart-tokens');
    expect(tokenBars.map((b) => b.value)).toEqual([0, 0, 0, 0, 3, 1, 2]);
    expect(tokenBars[4]!.height).toBeGreaterThan(tokenBars[6]!.height);
    expect(tokenBars[0]!.height).toBe(0);
    expect(page.html).toMatch(/<svg [^>]*role="img" aria-labelledby="chart-tokens-title chart-tokens-desc"/);
    expect(page.html).toContain('<title id="chart-tokens-title">Tokens issued per day, last 7 days</title>');

    // Gateway calls per app, split by status class (refused calls without a token have no app).
    expect(tableRows(page.html, 'chart-gateway-clients-table')).toEqual([
      ['Acme Stock Sync', '2', '1', '0', '1', '4'],
      ['Beta Reports', '0', '0', '1', '0', '1'],
      ['(no app: refused)', '0', '0', '1', '0', '1'],
    ]);
    expect(tableRows(page.html, 'chart-gateway-status-table')).toEqual([
      ['2xx', '2'],
      ['3xx', '1'],
      ['4xx', '2'],
      ['5xx', '1'],
    ]);
    expect(bars(page.html, 'chart-gateway-status').map((b) => b.value)).toEqual([2, 1, 2, 1]);
    expect(tableRows(page.html, 'chart-signin-failures-table').map((r) => r[1])).toEqual([
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '2',
    ]);
    expect(tableRows(page.html, 'chart-alerts-table').map((r) => r[1])).toEqual(['0', '0', '0', '0', '0', '0', '1']);
    expect(page.html).toMatch(/id="stat-tokens">6</);
    expect(page.html).toMatch(/id="stat-calls">6</);
    expect(page.html).toMatch(/id="stat-open-alerts">1</);
    // Strict CSP: no inline styles or scripts in what the charts add.
    expect(page.html).not.toMatch(/\sstyle=/);
    expect(page.html).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it('30 days includes the older events; anything else than 7 or 30 is refused with words', async () => {
    const page = await owner.browser.go('GET', '/admin?days=30');
    const rows = tableRows(page.html, 'chart-tokens-table');
    expect(rows).toHaveLength(30);
    expect(rows[0]![0]).toBe('2026-11-09');
    expect(rows.find((r) => r[0] === '2026-11-29')).toEqual(['2026-11-29', '1']);
    expect(bars(page.html, 'chart-tokens')).toHaveLength(30);
    expect(page.html).toMatch(/id="stat-tokens">7</);
    const bad = await owner.browser.go('GET', '/admin?days=365');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Choose 7 or 30 days.');
  });

  it('shows each app’s link state and the secrets due for rotation; an auditor sees the same', async () => {
    const auditor = await consoleAdmin(s, 'aude', 'auditor');
    for (const b of [owner.browser, auditor.browser]) {
      const page = await b.go('GET', '/admin');
      expect(page.status).toBe(200);
      const links = tableRows(page.html, 'link-health');
      expect(links.find((r) => r[1] === acme)?.[2]).toBe('Waiting for Magento');
      expect(links.find((r) => r[1] === beta)).toMatchObject({ 2: 'Failed', 5: 'Magento refused the token exchange' });
      expect(tableRows(page.html, 'secrets-due')).toEqual([['Acme Stock Sync', acme, '100']]);
      // Nothing to change here: the only form is signing out.
      const posts = [...page.html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]);
      expect(posts).toEqual(['/admin/sign-out']);
    }
  });

  it('bar geometry: a round top, proportional bars, thinned labels', () => {
    expect([0, 1, 3, 7, 10, 11, 230].map(niceCeiling)).toEqual([1, 1, 5, 10, 10, 20, 500]);
    const chart = presentBarChart({
      id: 'c',
      title: 't',
      unit: 'calls',
      labelHeading: 'Day',
      bars: Array.from({ length: 30 }, (_, i) => ({ label: `d${i}`, value: i === 3 ? 10 : i === 4 ? 5 : 0 })),
    });
    expect(chart.ticks.map((t) => t.value)).toEqual([0, 5, 10]);
    expect(chart.bars[3]!.height).toBe(chart.plot.bottom - chart.plot.top);
    expect(chart.bars[4]!.height).toBeCloseTo(chart.bars[3]!.height / 2, 0);
    expect(chart.bars.filter((b) => b.axisLabel).length).toBeLessThan(30);
    expect(chart.total).toBe(15);
  });
});
