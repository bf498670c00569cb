// GET /admin/doctor: the same report as the CLI, for a signed-in admin, as a page (status in
// words, message, fix) or as JSON; signed out, the sign-in page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, PASSWORD, createAdmin, heading, nextStep, totpNow } from '../support/page-flows.js';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';

describe('doctor in the admin console', () => {
  let f: DoctorFixture;
  let secret: string;
  let clientId: string;
  beforeAll(async () => {
    f = await startDoctorFixture();
    secret = (await createAdmin(f.s, 'olga')).secret!;
    clientId = await f.linkedClient({ scopes: ['catalog:read'], resources: ['Magento_Backend::store'] });
  });
  afterAll(() => f?.close());

  async function signIn(headers: Record<string, string> = {}): Promise<Browser> {
    const b = new Browser(f.s.baseUrl, headers);
    const login = await b.go('GET', '/admin');
    const code = await b.submit(login, 'sign-in', { username: 'olga', password: PASSWORD });
    nextStep(f.s);
    const home = await b.submit(code, 'code', { code: totpNow(f.s, secret) });
    expect(heading(home.html)).toBe('Admin console');
    return b;
  }

  it('shows each check with its status in words, what was seen and the fix', async () => {
    const b = await signIn();
    const page = await b.go('GET', `/admin/doctor?client=${clientId}`);
    expect(page.status).toBe(200);
    expect(heading(page.html)).toBe('Diagnostics');
    expect(page.html).toContain('<span class="badge badge-link-failed">Failed</span>');
    expect(page.html).toContain('<code>link.acl_missing</code>');
    expect(page.html).toContain(
      'Resource Access: Custom, tick Products › Inventory › Catalog (Magento_Catalog::products)',
    );
    expect(page.html).toContain('<span class="badge badge-link-active">Pass</span>');
    expect(page.html).toContain(`href="/admin/doctor?format=json&amp;client=${clientId}"`);
    expect(page.headers.get('cache-control')).toBe('no-store');
    await f.s.runtime.audit.flush();
    expect((await f.s.runtime.audit.list({ type: 'doctor.run', actor: 'olga' }))[0]).toMatchObject({
      outcome: 'failure',
      clientId,
    });
  });

  it('runs one report at a time per admin: a second request while the first runs gets 429, no second run', async () => {
    const b = await signIn({ accept: 'application/json' });
    await f.s.runtime.audit.flush();
    const before = (await f.s.runtime.audit.list({ type: 'doctor.run', actor: 'olga' })).length;
    // Two at once: whichever starts second finds the first under way (it probes the store).
    const pages = await Promise.all([1, 2].map(() => b.go('GET', `/admin/doctor?client=${clientId}`)));
    expect(pages.map((p) => p.status).sort()).toEqual([200, 429]);
    const refused = pages.find((p) => p.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(refused.html)).toMatchObject({ error: 'too_many_requests' });
    await f.s.runtime.audit.flush();
    expect((await f.s.runtime.audit.list({ type: 'doctor.run', actor: 'olga' })).length).toBe(before + 1);
    // Done: the next one runs.
    expect((await b.go('GET', `/admin/doctor?client=${clientId}`)).status).toBe(200);
  });

  it('answers the CLI’s JSON for ?format=json and for Accept: application/json', async () => {
    const b = await signIn();
    const viaQuery = await b.go('GET', `/admin/doctor?format=json&client=${clientId}`);
    expect(viaQuery.headers.get('content-type')).toMatch(/^application\/json/);
    const { checks } = JSON.parse(viaQuery.html) as { checks: { id: string; status: string }[] };
    expect(checks.find((c) => c.id === 'link.acl_missing')).toMatchObject({ status: 'fail' });
    const cli = await f.doctor('--client', clientId);
    expect(checks.map((c) => [c.id, c.status])).toEqual(cli.checks.map((c) => [c.id, c.status]));

    const json = await signIn({ accept: 'application/json' });
    const viaAccept = await json.go('GET', '/admin/doctor');
    expect(Object.keys(JSON.parse(viaAccept.html))).toEqual(['checks']);
    const unknown = await json.go('GET', '/admin/doctor?client=c_nope');
    expect(unknown.status).toBe(404);
  });

  it('signed out: the page redirects to the sign-in page, JSON too', async () => {
    for (const target of ['/admin/doctor', '/admin/doctor?format=json']) {
      const res = await fetch(`${f.s.baseUrl}${target}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/sign-in');
    }
  });
});
