// The console's audit page (/admin/audit): filters, keyset pages, row details, export with the
// current filters (GET /admin/audit/export, now also by ip and outcome).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { consoleAdmin, type ConsoleAdmin } from '../support/console-flows.js';
import { decodeEntities, startInteractionServer } from '../support/page-flows.js';
import { AUDIT_PAGE_SIZE } from '../../src/pages/admin-console/audit/audit-page.js';

const IP = '203.0.113.7';
const CLIENT = 'c_paging_client';

/** Event ids on the page, in order, and the link to the next (older) page. */
function eventsOf(html: string): { ids: string[]; older: string | null } {
  const ids = [...html.matchAll(/<tr id="event-(\d+)">/g)].map((m) => m[1]!);
  const older = /<a href="([^"]+)" rel="next">Older events<\/a>/.exec(html)?.[1];
  return { ids, older: older ? decodeEntities(older) : null };
}

describe('console audit page', () => {
  let s: TestServer;
  let owner: ConsoleAdmin;
  let auditor: ConsoleAdmin;
  beforeAll(async () => {
    s = await startInteractionServer();
    const audit = s.runtime.audit;
    // Many rows per timestamp: the pages must break ties on id, or lose and repeat rows.
    for (let i = 0; i < AUDIT_PAGE_SIZE * 2 + 7; i++) {
      await audit.record({ type: 'token.issued', outcome: 'success', clientId: CLIENT, details: { n: i } });
      if (i % 10 === 9) s.clock.advance(1000);
    }
    await audit.record({
      type: 'gateway.denied',
      outcome: 'denied',
      actor: CLIENT,
      clientId: CLIENT,
      ip: IP,
      country: 'DE',
      userAgent: 'StockSync/2.1',
      route: 'GET /V1/orders',
      status: 403,
      requestId: 'req-abc-123',
      details: { reason: 'scope_denied', password: 'hunter2', orderId: 42 },
    });
    await audit.record({ type: 'gateway.call', outcome: 'success', clientId: CLIENT, ip: IP, status: 200 });
    await audit.flush();
    s.clock.advance(60_000);
    owner = await consoleAdmin(s, 'olga', 'owner');
    auditor = await consoleAdmin(s, 'aude', 'auditor');
  });
  afterAll(() => s.close());

  it('signed out, the audit page goes to the sign-in page', async () => {
    const res = await fetch(`${s.baseUrl}/admin/audit?key=token.issued`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/sign-in');
  });

  it('pages by keyset, newest first, with no row lost or repeated, even as new rows arrive', async () => {
    const expected = (
      await s.runtime
        .db('audit_events')
        .where({ type: 'token.issued', client_id: CLIENT })
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
    ).map((r: { id: string | number }) => String(r.id));
    expect(expected).toHaveLength(AUDIT_PAGE_SIZE * 2 + 7);
    const seen: string[] = [];
    let url: string | null = `/admin/audit?key=token.issued&client=${CLIENT}`;
    let pages = 0;
    while (url) {
      const page = await owner.browser.go('GET', url);
      expect(page.status).toBe(200);
      const { ids, older } = eventsOf(page.html);
      seen.push(...ids);
      if (older) expect(older).toMatch(/^\/admin\/audit\?before=[^&]+_\d+&key=token.issued&client=c_paging_client$/);
      url = older;
      pages++;
      // Newer rows written between pages go above the cursor: they shift nothing.
      await s.runtime.audit.record({ type: 'token.issued', outcome: 'success', clientId: CLIENT });
      s.clock.advance(1000);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    const bad = await owner.browser.go('GET', '/admin/audit?before=yesterday');
    expect(bad.status).toBe(400); // a forged cursor is refused in words
    expect(bad.html).toContain('That page link is not valid');
  });

  it('filters by IP, outcome, actor and time; each row opens to its details (already redacted)', async () => {
    const byIp = await owner.browser.go('GET', `/admin/audit?ip=${IP}`);
    expect(eventsOf(byIp.html).ids).toHaveLength(2);
    const denied = await owner.browser.go('GET', `/admin/audit?ip=${IP}&outcome=denied`);
    const { ids } = eventsOf(denied.html);
    expect(ids).toHaveLength(1);
    const row = new RegExp(`<tr id="event-${ids[0]}">([\\s\\S]*?)</tr>`).exec(denied.html)![1]!;
    expect(row).toContain('<code class="code-key">gateway.denied</code>');
    expect(row).toContain('<details class="row-details">');
    for (const fact of ['req-abc-123', 'GET /V1/orders', '403', 'DE', 'StockSync/2.1'])
      expect(row).toContain(`<dd>${fact}</dd>`);
    expect(decodeEntities(row)).toContain('"orderId": 42');
    expect(decodeEntities(row)).toContain('"reason": "scope_denied"');
    expect(row).not.toContain('hunter2');
    // The form keeps what was asked.
    expect(denied.html).toContain(`name="ip" type="text" value="${IP}"`);
    expect(denied.html).toMatch(/<option value="denied" selected>/);

    const byActor = await owner.browser.go('GET', '/admin/audit?actor=olga&key=admin.login');
    expect(eventsOf(byActor.html).ids.length).toBeGreaterThan(0);
    const future = await owner.browser.go('GET', '/admin/audit?since=2100-01-01');
    expect(eventsOf(future.html).ids).toEqual([]);
    expect(future.html).toContain('No events match these filters.');
    const until = await owner.browser.go('GET', `/admin/audit?client=${CLIENT}&until=2000-01-01T00:00Z`);
    expect(eventsOf(until.html).ids).toEqual([]);

    // The shared selection filters the CLI's list too.
    const listed = await s.runtime.audit.list({ ip: IP, outcome: 'success' });
    expect(listed.map((e) => e.type)).toEqual(['gateway.call']);
  });

  it('bad filters answer 400 with the words next to each field', async () => {
    const page = await owner.browser.go('GET', '/admin/audit?key=nope&since=yesterday&ip=not-an-ip&outcome=maybe');
    expect(page.status).toBe(400);
    expect(page.html).toContain('<p class="field-error" id="key-error">unknown key &#34;nope&#34;</p>');
    expect(page.html).toContain('<p class="field-error" id="since-error">since must be an ISO date or time</p>');
    expect(page.html).toContain('id="ip-error">ip must be an IPv4 or IPv6 address</p>');
    expect(page.html).toContain('id="outcome-error">outcome must be one of success, failure, denied, info</p>');
    expect(page.html).toMatch(/<select id="f-key" name="key" aria-invalid="true" aria-describedby="key-error">/);
    expect(page.html).toMatch(
      /name="since" type="text" value="yesterday"[^>]*aria-invalid="true" aria-describedby="since-error"/,
    );
    expect(eventsOf(page.html).ids).toEqual([]);
  });

  it('exports with the current filters (links to the export route); the export is audited with its actor', async () => {
    const page = await auditor.browser.go('GET', `/admin/audit?ip=${IP}&outcome=denied`);
    expect(page.status).toBe(200);
    const links = [...page.html.matchAll(/href="(\/admin\/audit\/export\?[^"]+)"/g)].map((m) => decodeEntities(m[1]!));
    expect(links).toEqual(
      ['csv', 'json', 'jsonl', 'xml'].map(
        (f) => `/admin/audit/export?format=${f}&ip=${encodeURIComponent(IP)}&outcome=denied`,
      ),
    );
    const json = await auditor.browser.go('GET', links[1]!);
    expect(json.status).toBe(200);
    const rows = JSON.parse(json.html) as { key: string; ip: string; outcome: string }[];
    expect(rows).toEqual([expect.objectContaining({ key: 'gateway.denied', ip: IP, outcome: 'denied' })]);
    const csv = await auditor.browser.go('GET', links[0]!);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.html.trim().split(/\r?\n/)).toHaveLength(2);
    const bad = await auditor.browser.go('GET', '/admin/audit/export?format=csv&outcome=maybe&ip=x');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.html).error_description).toBe(
      'ip must be an IPv4 or IPv6 address; outcome must be one of success, failure, denied, info',
    );
    await s.runtime.audit.flush();
    const [exported] = await s.runtime.audit.list({ type: 'audit.exported', actor: 'aude' });
    expect(exported).toMatchObject({ actor: 'aude', details: { format: 'csv', ip: IP, outcome: 'denied' } });
  });

  it('the export form left the home page for the audit page', async () => {
    const home = await owner.browser.go('GET', '/admin');
    expect(home.html).not.toContain('action="/admin/audit/export"');
    const audit = await owner.browser.go('GET', '/admin/audit');
    expect(audit.html).toContain('href="/admin/audit/export?format=csv"');
    expect(audit.html).toContain('Export the whole trail');
  });
});
