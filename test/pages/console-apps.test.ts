// The console's Apps section (/admin/apps): list and search, create (secret shown once), edit with
// errors next to their fields, rotate secret / disable / delete behind a fresh code, enable, the
// activity of the last 7 days; auditors read only, every write needs the session's CSRF token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { consoleAdmin, csrfOf, post, postWithStepUp, type ConsoleAdmin } from '../support/console-flows.js';
import { decodeEntities, findForm, heading, nextStep, totpNow } from '../support/page-flows.js';
import { hasForm } from '../support/page-browser.js';
import { basic, postToken } from '../support/oauth-flows.js';
import type { AuditEventType } from '../../src/audit/audit-events.js';
import { exportJWK, generateKeyPair } from 'jose';

describe('admin console: apps', () => {
  let s: TestServer;
  const logs: string[] = [];
  let n = 0;
  beforeAll(async () => {
    s = await startTestServer({ env: { LOG_LEVEL: 'debug' }, logWrite: (line) => logs.push(line) });
  });
  afterAll(() => s.close());

  const owner = () => consoleAdmin(s, `olga${++n}`, 'owner');
  const auditor = () => consoleAdmin(s, `audrey${++n}`, 'auditor');

  const FIELDS = {
    name: 'Acme ERP',
    type: 'confidential',
    auth_method: 'client_secret_basic',
    redirect_uris: 'https://erp.example.com/callback\nhttps://erp.example.com/callback2',
    grant_authorization_code: 'on',
    grant_refresh_token: 'on',
    grant_client_credentials: 'on',
    'scope:catalog:read': 'on',
    'scope:offline_access': 'on',
    cors_origins: 'https://erp.example.com',
    contact: 'it@acme.example',
    homepage: 'https://acme.example/',
    token_format: 'opaque',
    rate_limit: '600/min',
    allowed_ips: '127.0.0.1\n::1/128\n::ffff:127.0.0.1/128',
    allowed_countries: '',
    denied_countries: 'kp, ir',
    active_hours: '',
  };

  /** As a browser sends the form: an unticked checkbox (here '') is not sent at all. */
  const filled = (fields: Record<string, string>) =>
    Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ''));

  /** Creates an app through the console; returns its id, its secret and the result page. */
  async function createApp(a: ConsoleAdmin, fields: Record<string, string> = {}) {
    const form = await a.browser.go('GET', '/admin/apps/new');
    expect(form.status).toBe(200);
    const page = await post(a.browser, form, '/admin/apps', filled({ ...FIELDS, ...fields }));
    expect(page.status).toBe(200);
    const clientId = decodeEntities(/<code id="client-id" class="secret">([^<]+)<\/code>/.exec(page.html)![1]!);
    const secret = /<code id="client-secret" class="secret">([^<]+)<\/code>/.exec(page.html)?.[1];
    return { clientId, secret: secret ? decodeEntities(secret) : null, page };
  }

  const token = (clientId: string, secret: string) =>
    postToken(s, { grant_type: 'client_credentials', scope: 'catalog:read' }, basic(clientId, secret));

  async function audited(type: AuditEventType, clientId: string) {
    await s.runtime.audit.flush();
    return s.runtime.audit.list({ type, clientId });
  }

  /** Every <td> of every table has a data-label (phone width: rows stack, cells say their column). */
  function phoneFriendly(html: string) {
    const tables = [...html.matchAll(/<table class="([^"]+)"[\s\S]*?<\/table>/g)];
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) {
      expect(t[1]).toContain('table-stack');
      for (const td of t[0].matchAll(/<td\b[^>]*>/g)) expect(td[0]).toMatch(/data-label="[^"]+"/);
    }
  }

  const writeForms = (html: string) =>
    [...html.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)]
      .map((m) => m[1])
      .filter((a) => a !== '/admin/sign-out');

  it('signed out: every apps page sends to the sign-in page', async () => {
    const {
      client: { clientId },
    } = await s.runtime.clients.create({
      name: 'Anon',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
    });
    for (const path of ['/admin/apps', '/admin/apps/new', `/admin/apps/${clientId}`, '/admin/apps?q=x']) {
      const res = await fetch(`${s.baseUrl}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/sign-in');
    }
    const res = await fetch(`${s.baseUrl}/admin/apps/${clientId}/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(await s.runtime.clients.get(clientId)).not.toBeNull();
  });

  it('creates an app with every field; the secret is shown once (200, not in a URL, not logged) and works', async () => {
    const a = await owner();
    const form = await a.browser.go('GET', '/admin/apps/new');
    // Scopes come from the scope catalog, as checkboxes.
    for (const scope of s.runtime.apiScopes) expect(form.html).toContain(`name="scope:${scope}"`);
    expect(form.html).toContain('name="require_dpop"');
    const { clientId, secret, page } = await createApp(a, { require_dpop: 'on' });
    expect(page.url).toBe(`${s.baseUrl}/admin/apps`);
    expect(page.html).toContain('it is not shown again');
    expect(page.html).toMatch(
      /<button type="button" class="copy-button[^"]*" data-copy="client-secret" hidden>Copy<\/button>/,
    );
    expect(secret).toMatch(/.{20,}/);
    const c = (await s.runtime.clients.get(clientId))!;
    expect(c).toMatchObject({
      name: 'Acme ERP',
      type: 'confidential',
      redirectUris: ['https://erp.example.com/callback', 'https://erp.example.com/callback2'],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['catalog:read', 'offline_access'],
      corsOrigins: ['https://erp.example.com'],
      contact: 'it@acme.example',
      homepage: 'https://acme.example/',
      requireDpop: true,
      rateLimit: '600/min',
      deniedCountries: ['KP', 'IR'],
    });
    expect(await s.runtime.clients.verifySecret(clientId, secret!)).toBe(true);
    expect((await audited('client.created', clientId))[0]).toMatchObject({ actor: a.username });

    // Never again: not on the list, the app's page, its search, nor in any log line.
    for (const path of ['/admin/apps', `/admin/apps/${clientId}`, `/admin/apps?q=${clientId}`, '/admin']) {
      const again = await a.browser.go('GET', path);
      expect(again.status).toBe(200);
      expect(again.html).not.toContain(secret);
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes(secret!))).toBe(false);
    await s.runtime.audit.flush();
    const rows = await s.runtime.audit.list({ clientId });
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('a public app gets no secret; the type and grant rules are the registry’s', async () => {
    const a = await owner();
    const { clientId, secret, page } = await createApp(a, {
      name: 'Acme Mobile',
      type: 'public',
      grant_client_credentials: '',
      redirect_uris: 'com.acme.app:/callback',
    });
    expect(secret).toBeNull();
    expect(page.html).toContain('no client secret');
    expect(await s.runtime.clients.get(clientId)).toMatchObject({ type: 'public', authMethod: 'none' });
  });

  it('lists apps with type, status, scopes, secret age and rotation due, last use; searches name and id', async () => {
    const a = await owner();
    const { clientId } = await createApp(a, { name: 'Zebra Sync 100%' });
    const other = await createApp(a, { name: 'Other Tool' });
    // An old secret: rotation due after CLIENT_SECRET_MAX_AGE_DAYS.
    await s.runtime
      .db('oauth_clients')
      .where({ client_id: other.clientId })
      .update({ created_at: new Date(s.clock.now() - 100 * 86_400_000) });
    await s.runtime.audit.record({ type: 'gateway.call', outcome: 'success', clientId, actor: clientId, status: 200 });
    await s.runtime.audit.flush();

    const list = await a.browser.go('GET', '/admin/apps');
    expect(list.html).toContain('href="/admin/apps/new"');
    phoneFriendly(list.html);
    const row = (html: string, id: string) =>
      new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*${id}[\\s\\S]*?</tr>`).exec(html)![0];
    const zebra = row(list.html, clientId);
    expect(zebra).toContain('Zebra Sync 100%');
    expect(zebra).toContain('confidential');
    expect(zebra).toContain('Enabled');
    expect(zebra).toMatch(/data-label="Scopes" class="num">2</);
    expect(zebra).toContain('0 days old');
    expect(zebra).not.toContain('Rotation due');
    expect(zebra).toMatch(/<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
    const old = row(list.html, other.clientId);
    expect(old).toContain('100 days old');
    expect(old).toContain('Rotation due');
    expect(old).toContain('Never');

    const byName = await a.browser.go('GET', '/admin/apps?q=zebra%20sync');
    expect(byName.html).toContain(clientId);
    expect(byName.html).not.toContain(other.clientId);
    expect(byName.html).toContain('value="zebra sync"');
    const byId = await a.browser.go('GET', `/admin/apps?q=${other.clientId.slice(2, 14)}`);
    expect(byId.html).toContain(other.clientId);
    expect(byId.html).not.toContain(clientId);
    // % and _ are literal.
    const literal = await a.browser.go('GET', '/admin/apps?q=100%25');
    expect(literal.html).toContain(clientId);
    expect((await a.browser.go('GET', '/admin/apps?q=%25%25%25')).html).toContain('No app matches this search.');
  });

  it('create: each problem in words next to its field (400), what was typed kept, nothing created', async () => {
    const a = await owner();
    const before = (await s.runtime.clients.list()).length;
    const form = await a.browser.go('GET', '/admin/apps/new');
    const bad = await post(a.browser, form, '/admin/apps', {
      ...FIELDS,
      name: 'Typed Name',
      rate_limit: 'lots',
      allowed_ips: '10.0.0.0/99',
      allowed_countries: 'Germany',
      active_hours: 'office hours',
      lifetime_access_token: 'an hour',
      jwks: '{not json',
    });
    expect(bad.status).toBe(400);
    for (const field of [
      'rate_limit',
      'allowed_ips',
      'allowed_countries',
      'active_hours',
      'lifetime_access_token',
      'jwks',
    ])
      expect(bad.html).toMatch(new RegExp(`aria-describedby="[^"]*${field}-error"[^>]*aria-invalid="true"`));
    expect(bad.html).toContain('id="rate_limit-error">Rate limit &#34;lots&#34; must look like 600/min');
    expect(bad.html).toContain('id="allowed_ips-error">&#34;10.0.0.0/99&#34; has an invalid prefix length');
    expect(bad.html).toContain('id="lifetime_access_token-error">Access token lifetime must be whole seconds');
    // A summary at the top links to each field with a problem.
    expect(bad.html).toContain('Nothing was saved.</strong> Fix these 6 problems');
    expect(bad.html).toMatch(/<li><a href="#rate_limit">Rate limit/);
    expect(bad.html).toContain('value="Typed Name"');
    expect(bad.html).toContain('value="lots"');
    expect(bad.html).toContain('value="office hours"');
    expect(bad.html).toMatch(/name="scope:catalog:read" value="on" checked/);

    // The registry's own rules (validate-client-input.ts), next to the field they are about.
    const cases: [Record<string, string>, string, string][] = [
      [{ name: '' }, 'name', 'Name is required'],
      [{ redirect_uris: 'https://erp.example.com/cb#frag' }, 'redirect_uris', 'must not contain a fragment'],
      [
        { grant_authorization_code: '', grant_refresh_token: '', grant_client_credentials: '' },
        'grant_types',
        'At least one grant type is required',
      ],
      [{ 'scope:catalog:read': '', 'scope:offline_access': '' }, 'scopes', 'At least one scope is required'],
      [{ cors_origins: 'https://erp.example.com/path' }, 'cors_origins', 'scheme, host and port only'],
      [{ contact: 'not-an-email' }, 'contact', 'Contact must be an email address'],
      [{ auth_method: 'private_key_jwt' }, 'jwks', 'private_key_jwt needs a client JWKS'],
    ];
    for (const [fields, field, words] of cases) {
      const typed = filled({ ...FIELDS, ...fields });
      const page = await post(a.browser, form, '/admin/apps', typed);
      expect(page.status, field).toBe(400);
      const error = new RegExp(`<p class="field-error" id="${field}-error">([^<]*)</p>`).exec(page.html)?.[1];
      expect(decodeEntities(error ?? ''), field).toContain(words);
    }
    expect((await s.runtime.clients.list()).length).toBe(before);
  });

  it('switching an app to a key set (private_key_jwt) asks for a fresh code like a new secret; other edits do not', async () => {
    const a = await owner();
    const { clientId } = await createApp(a);
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);
    const { publicKey } = await generateKeyPair('ES256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    const fields = filled({ ...FIELDS, auth_method: 'private_key_jwt', jwks });
    const confirm = await post(a.browser, show, `/admin/apps/${clientId}`, fields);
    expect(confirm.status).toBe(200);
    expect(heading(confirm.html)).toBe('Change how “Acme ERP” authenticates?');
    expect((await s.runtime.clients.get(clientId))!.authMethod).toBe('client_secret_basic');
    const [, saved] = await postWithStepUp(s, a, show, `/admin/apps/${clientId}`, fields);
    expect(saved.url).toBe(`${s.baseUrl}/admin/apps/${clientId}?done=updated`);
    const updated = (await s.runtime.clients.get(clientId))!;
    expect(updated.authMethod).toBe('private_key_jwt');
    expect(updated.jwks?.keys[0]).toMatchObject({ kid: 'k1' });
    // The scopes and grant types came through the confirmation page unchanged.
    expect(updated.scopes).toEqual(expect.arrayContaining(['catalog:read', 'offline_access']));
    // Saving again with the same keys (only the name changes): no confirmation.
    const again = await post(a.browser, saved, `/admin/apps/${clientId}`, { ...fields, name: 'Acme ERP keys' });
    expect(again.url).toBe(`${s.baseUrl}/admin/apps/${clientId}?done=updated`);
  });

  it('edits every field with the registry’s validation; errors keep what was typed and change nothing', async () => {
    const a = await owner();
    const { clientId } = await createApp(a);
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);
    expect(heading(show.html)).toBe('Acme ERP');
    expect(show.html).toContain('value="it@acme.example"');
    phoneFriendly(show.html);

    const saved = await post(
      a.browser,
      show,
      `/admin/apps/${clientId}`,
      filled({
        ...FIELDS,
        name: 'Acme ERP 2',
        redirect_uris: 'https://erp.example.com/new',
        'scope:offline_access': '',
        cors_origins: 'https://a.example.com\nhttps://b.example.com',
        allowed_ips: '203.0.113.0/24',
        allowed_countries: 'de, at',
        denied_countries: '',
        active_hours: '08:00-18:00 Europe/Berlin',
        rate_limit: '10/15min',
        lifetime_access_token: '900',
      }),
    );
    expect(saved.status).toBe(200);
    expect(saved.url).toBe(`${s.baseUrl}/admin/apps/${clientId}?done=updated`);
    expect(saved.html).toContain('The app’s settings are saved.');
    expect(await s.runtime.clients.get(clientId)).toMatchObject({
      name: 'Acme ERP 2',
      redirectUris: ['https://erp.example.com/new'],
      scopes: ['catalog:read'],
      corsOrigins: ['https://a.example.com', 'https://b.example.com'],
      allowedIps: ['203.0.113.0/24'],
      allowedCountries: ['DE', 'AT'],
      deniedCountries: [],
      activeHours: '08:00-18:00 Europe/Berlin',
      rateLimit: '10/15min',
      lifetimes: { accessToken: 900 },
    });
    expect((await audited('client.updated', clientId))[0]).toMatchObject({ actor: a.username });

    // Clearing: empty fields take the defaults again.
    await post(a.browser, saved, `/admin/apps/${clientId}`, { ...FIELDS, rate_limit: '', allowed_ips: '' });
    expect(await s.runtime.clients.get(clientId)).toMatchObject({ rateLimit: null, allowedIps: [], lifetimes: {} });

    const bad = await post(
      a.browser,
      saved,
      `/admin/apps/${clientId}`,
      filled({
        ...FIELDS,
        name: 'Half typed',
        grant_authorization_code: '',
        grant_refresh_token: '',
        grant_client_credentials: '',
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Nothing was saved');
    expect(bad.html).toMatch(/id="grant_types-error">At least one grant type is required/);
    expect(bad.html).toContain('value="Half typed"');
    expect((await s.runtime.clients.get(clientId))!.name).toBe('Acme ERP');
  });

  it('a public app made confidential is told to issue its first secret, and can', async () => {
    const a = await owner();
    const { clientId } = await createApp(a, {
      name: 'Was Public',
      type: 'public',
      grant_client_credentials: '',
      redirect_uris: 'com.acme.app:/callback',
    });
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);
    expect(hasForm(show.html, 'rotate-secret')).toBe(false);
    const saved = await post(
      a.browser,
      show,
      `/admin/apps/${clientId}`,
      filled({ ...FIELDS, name: 'Was Public', redirect_uris: 'com.acme.app:/callback' }),
    );
    expect(saved.url).toBe(`${s.baseUrl}/admin/apps/${clientId}?done=needs_secret`);
    expect(saved.html).toContain('has none yet: issue one with “Issue a new secret”');
    const [, done] = await postWithStepUp(s, a, saved, `/admin/apps/${clientId}/rotate-secret`);
    const fresh = decodeEntities(/<code id="client-secret" class="secret">([^<]+)<\/code>/.exec(done.html)![1]!);
    expect((await token(clientId, fresh)).status).toBe(200);
  });

  it('rotate secret: confirmation, a wrong code refused, a fresh code shows the new secret and the overlap', async () => {
    const a = await owner();
    const { clientId, secret } = await createApp(a);
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);

    const confirm = await post(a.browser, show, `/admin/apps/${clientId}/rotate-secret`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('keeps working for 24 hours (the overlap window)');
    const wrong = await a.browser.submit(confirm, 'rotate-secret', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(await audited('client.secret_rotated', clientId)).toHaveLength(0);
    expect((await s.runtime.clients.get(clientId))!.secretRotatedAt).toBeNull();

    const [, done] = await postWithStepUp(s, a, show, `/admin/apps/${clientId}/rotate-secret`);
    expect(done.status).toBe(200);
    expect(done.url).toBe(`${s.baseUrl}/admin/apps/${clientId}/rotate-secret`);
    const fresh = decodeEntities(/<code id="client-secret" class="secret">([^<]+)<\/code>/.exec(done.html)![1]!);
    expect(fresh).not.toBe(secret);
    expect(done.html).toContain('it is not shown again');
    expect(done.html).toMatch(/The previous secret keeps working until <time datetime="[^"]+">/);
    expect((await audited('client.secret_rotated', clientId))[0]).toMatchObject({ actor: a.username });

    expect((await token(clientId, fresh)).status).toBe(200);
    expect((await token(clientId, secret!)).status).toBe(200); // the overlap window
    const page = await a.browser.go('GET', `/admin/apps/${clientId}`);
    expect(page.html).not.toContain(fresh);
    expect(page.html).toContain('The previous secret works until');
    expect(logs.some((l) => l.includes(fresh))).toBe(false);
    s.clock.advance(24 * 3600_000 + 5_000);
    expect((await token(clientId, secret!)).status).toBe(401);
    expect((await token(clientId, fresh)).status).toBe(200);
  });

  it('disable needs a fresh code and stops the app; enable brings it back', async () => {
    const a = await owner();
    const { clientId, secret } = await createApp(a);
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);

    const confirm = await post(a.browser, show, `/admin/apps/${clientId}/disable`);
    expect(heading(confirm.html)).toBe('Disable “Acme ERP”?');
    expect((await s.runtime.clients.get(clientId))!.enabled).toBe(true);
    nextStep(s);
    const wrong = await a.browser.submit(confirm, 'disable', { code: '123456' });
    expect(wrong.status).toBe(401);
    expect((await s.runtime.clients.get(clientId))!.enabled).toBe(true);

    const [, done] = await postWithStepUp(s, a, show, `/admin/apps/${clientId}/disable`);
    expect(done.url).toBe(`${s.baseUrl}/admin/apps/${clientId}?done=disabled`);
    expect(done.html).toContain('Disabled: every request is refused');
    expect(hasForm(done.html, 'enable')).toBe(true);
    expect((await s.runtime.clients.get(clientId))!.enabled).toBe(false);
    s.clock.advance(2_000); // past the cache's fallback lifetime
    expect((await token(clientId, secret!)).status).toBe(401);
    expect((await audited('client.disabled', clientId))[0]).toMatchObject({ actor: a.username });

    const enabled = await post(a.browser, done, `/admin/apps/${clientId}/enable`);
    expect(enabled.url).toBe(`${s.baseUrl}/admin/apps/${clientId}?done=enabled`);
    expect(enabled.html).toContain('The app is enabled again.');
    s.clock.advance(2_000);
    expect((await token(clientId, secret!)).status).toBe(200);
    expect((await audited('client.enabled', clientId))[0]).toMatchObject({ actor: a.username });
  });

  it('delete says what goes with the app, needs a fresh code, and removes its tokens', async () => {
    const a = await owner();
    const { clientId, secret } = await createApp(a);
    expect((await token(clientId, secret!)).status).toBe(200);
    const tokens = () =>
      s.runtime.db('oidc_payloads').whereRaw(`payload->>'clientId' = ?`, [clientId]).count({ n: '*' });
    expect(Number((await tokens())[0]!.n)).toBeGreaterThan(0);
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);

    const confirm = await post(a.browser, show, `/admin/apps/${clientId}/delete`);
    expect(heading(confirm.html)).toBe('Delete “Acme ERP”?');
    expect(confirm.html).toContain('This cannot be undone');
    expect(confirm.html).not.toContain('Magento store link');
    expect(confirm.html).toContain('It has no active grants; every token issued to it is deleted');
    nextStep(s);
    expect((await a.browser.submit(confirm, 'delete', { code: '000000' })).status).toBe(401);
    expect(await s.runtime.clients.get(clientId)).not.toBeNull();

    // A linked app: the page says the link is left behind and what to do in Magento.
    await s.runtime.links.ensure(clientId);
    const linked = await post(a.browser, show, `/admin/apps/${clientId}/delete`);
    expect(linked.html).toMatch(/Its Magento store link \([a-z ]+\) is no longer used by anything/);

    const [, done] = await postWithStepUp(s, a, show, `/admin/apps/${clientId}/delete`);
    expect(done.url).toBe(`${s.baseUrl}/admin/apps?done=deleted`);
    expect(done.html).toContain('The app is deleted, with its grants and tokens.');
    expect(done.html).not.toContain(clientId);
    expect(await s.runtime.clients.get(clientId)).toBeNull();
    expect(Number((await tokens())[0]!.n)).toBe(0);
    expect((await audited('client.deleted', clientId))[0]).toMatchObject({ actor: a.username });
    expect((await a.browser.go('GET', `/admin/apps/${clientId}`)).status).toBe(404);
    expect((await post(a.browser, show, `/admin/apps/${clientId}/delete`)).status).toBe(404);
  });

  it('activity: last use, gateway calls and errors per day over 7 days, from the audit trail', async () => {
    const a = await owner();
    const { clientId } = await createApp(a);
    const call = (status: number, type: AuditEventType = 'gateway.call') =>
      s.runtime.audit.record({
        type,
        outcome: status < 400 ? 'success' : 'failure',
        clientId,
        actor: clientId,
        status,
      });
    for (const status of [200, 200, 201, 502]) await call(status);
    await call(403, 'gateway.denied');
    // Older than the window: not counted.
    await s.runtime.db('audit_events').insert({
      at: new Date(s.clock.now() - 9 * 86_400_000),
      type: 'gateway.call',
      outcome: 'success',
      client_id: clientId,
      status: 200,
      details: '{}',
    });
    await s.runtime.audit.flush();
    const page = await a.browser.go('GET', `/admin/apps/${clientId}`);
    expect(page.html).toMatch(/Gateway calls, 7 days<\/dt><dd>5</);
    expect(page.html).toMatch(/Errors \(status 400\+\), 7 days<\/dt><dd>2</);
    expect(page.html).toMatch(/class="app-last-use">\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const today = new Date(s.clock.now()).toISOString().slice(0, 10);
    expect(page.html).toContain(
      `<td data-label="Day">${today}</td><td data-label="Calls" class="num">5</td><td data-label="Errors" class="num">2</td>`,
    );
    expect(page.html.match(/<td data-label="Day">/g)).toHaveLength(7);
    expect(page.html).toMatch(/<td data-label="Status">200<\/td><td data-label="Calls" class="num">2<\/td>/);
    expect(page.html).toContain('<svg viewBox');
    phoneFriendly(page.html);
  });

  it('auditors read apps and activity but see no write control, and every write is refused', async () => {
    const o = await owner();
    const { clientId, secret } = await createApp(o);
    const a = await auditor();
    const list = await a.browser.go('GET', '/admin/apps');
    expect(list.status).toBe(200);
    expect(list.html).toContain(clientId);
    expect(list.html).not.toContain('/admin/apps/new');
    expect(writeForms(list.html)).toEqual([]);
    const show = await a.browser.go('GET', `/admin/apps/${clientId}`);
    expect(show.status).toBe(200);
    expect(show.html).toContain('Gateway calls, 7 days');
    expect(writeForms(show.html)).toEqual([]);
    expect(show.html).not.toContain('Edit settings');
    expect((await a.browser.go('GET', '/admin/apps/new')).status).toBe(403);

    const before = await s.runtime.clients.get(clientId);
    for (const [action, fields] of [
      ['/admin/apps', FIELDS],
      [`/admin/apps/${clientId}`, { ...FIELDS, name: 'Auditor was here' }],
      [`/admin/apps/${clientId}/rotate-secret`, {}],
      [`/admin/apps/${clientId}/disable`, {}],
      [`/admin/apps/${clientId}/enable`, {}],
      [`/admin/apps/${clientId}/delete`, {}],
    ] as const) {
      const page = await post(a.browser, show, action, fields);
      expect(page.status, action).toBe(403);
      expect(page.html).toContain('Not allowed for auditors');
      // Even with a valid code, the step-up is never reached.
      nextStep(s);
      const withCode = await post(a.browser, show, action, { ...fields, code: totpNow(s, a.secret) });
      expect(withCode.status, action).toBe(403);
    }
    expect(await s.runtime.clients.get(clientId)).toEqual(before);
    expect(await s.runtime.clients.verifySecret(clientId, secret!)).toBe(true);
    await s.runtime.audit.flush();
    const refused = await s.runtime.audit.list({ type: 'console.refused', actor: a.username });
    expect(refused.length).toBe(13); // six writes twice, and the new-app form
  });

  it('a POST without the session’s CSRF token is refused and changes nothing', async () => {
    const a = await owner();
    const { clientId } = await createApp(a);
    const count = (await s.runtime.clients.list()).length;
    const page = await a.browser.go('GET', `/admin/apps/${clientId}`);
    const forged = async (action: string, fields: Record<string, string>) => {
      const res = await a.browser.go('POST', action, fields);
      expect(res.status, action).toBe(403);
      const wrong = await a.browser.go('POST', action, { ...fields, _csrf: `${csrfOf(page)}x` });
      expect(wrong.status, action).toBe(403);
    };
    await forged('/admin/apps', FIELDS);
    await forged(`/admin/apps/${clientId}`, { ...FIELDS, name: 'Forged' });
    for (const step of ['rotate-secret', 'disable', 'enable', 'delete'])
      await forged(`/admin/apps/${clientId}/${step}`, {});
    expect((await s.runtime.clients.list()).length).toBe(count);
    expect(await s.runtime.clients.get(clientId)).toMatchObject({
      name: 'Acme ERP',
      enabled: true,
      secretRotatedAt: null,
    });
    // The form the page itself has works: the CSRF token is the session's.
    expect(findForm(page.html, 'disable').hidden._csrf).toBe(csrfOf(page));
  });
});
