// Issue 10: forged POSTs to the activation endpoint (only its URL is needed) must never take an
// active link down. Real HTTP against the server, the emulator as Magento, the CLI as the admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { randomToken } from '../../tools/magento-emulator/emulator-store.js';
import {
  confirmInPopup,
  linkUrlsFromCli,
  startLinkFixture,
  type LinkFixture,
} from '../support/magento-link-fixture.js';

const post = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

/** A client linked the way the README says (link-urls, Activate, Identity Link popup), and a gateway token. */
async function linkedApp(f: LinkFixture, name: string) {
  const { client, clientSecret } = await f.s.runtime.clients.create({
    name,
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['catalog:read'],
  });
  const urls = await linkUrlsFromCli(f.cli, client.clientId);
  const integration = f.emu.createIntegration({ name, resources: ['Magento_Catalog::products'] });
  await f.emu.activate(integration.id, urls.endpoint_url);
  await f.s.runtime.activation.idle();
  const { done } = await confirmInPopup(f, integration.consumerKey, undefined, urls);
  expect(done.status).toBe(200);
  expect(await f.s.runtime.links.get(client.clientId)).toMatchObject({ status: 'active' });
  const tok = await f.s.request
    .post('/token')
    .auth(client.clientId, clientSecret!)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'catalog:read' });
  expect(tok.status, JSON.stringify(tok.body)).toBe(200);
  return { clientId: client.clientId, urls, integration, accessToken: tok.body.access_token as string };
}

const tokenCalls = (f: LinkFixture) => f.emu.verdicts.filter((v) => v.path.startsWith('/oauth/token/')).length;

describe('forged activation POSTs against an active link', () => {
  let f: LinkFixture;
  let app: Awaited<ReturnType<typeof linkedApp>>;
  /** When set, every token-exchange call to Magento waits for it (an exchange "in flight"). */
  let gate: Promise<void> | null = null;
  beforeAll(async () => {
    f = await startLinkFixture({
      handshake: () => ({
        fetch: async (url, init) => {
          if (gate) await gate;
          // A real store answers in tens of milliseconds: long enough for calls to overlap.
          await new Promise((r) => setTimeout(r, 20));
          return undiciFetch(url, init);
        },
      }),
    });
    app = await linkedApp(f, 'Warehouse Sync');
  });
  afterAll(() => f.close());

  const gatewayCall = () =>
    fetch(`${f.s.baseUrl}/rest/V1/products?searchCriteria[pageSize]=1`, {
      headers: { authorization: `Bearer ${app.accessToken}` },
    });
  /** Random credentials; every third one also carries the real store's URL (the plausible kind). */
  const forgedFields = (i: number): Record<string, string> => ({
    oauth_consumer_key: randomToken(),
    oauth_consumer_secret: randomToken(),
    oauth_verifier: randomToken(),
    store_base_url:
      i % 3 === 0 ? 'https://shop.example/' : i % 3 === 1 ? f.emu.storeBaseUrl : f.emu.storeBaseUrl.toUpperCase(),
  });

  it(
    '40 forged POSTs during 60 legitimate calls: every call but at most one succeeds, every forgery ' +
      'gets an error, the link stays as it was',
    async () => {
      const credsBefore = await f.s.runtime.links.activeCredentials(app.clientId);
      const viewBefore = await f.s.runtime.links.get(app.clientId);
      const exchangesBefore = tokenCalls(f);
      const refusedBefore = (
        await f.s.runtime.audit.list({ type: 'magento.activation_refused', clientId: app.clientId })
      ).length;

      // 100 requests, 4 in 10 forged, interleaved and 10 at a time.
      const ops = Array.from({ length: 100 }, (_, i) =>
        i % 5 === 1 || i % 5 === 3 ? { forged: forgedFields(i) } : { forged: null },
      );
      expect(ops.filter((o) => o.forged).length).toBe(40);
      const results: { forged: boolean; status: number; body: any }[] = [];
      for (let i = 0; i < ops.length; i += 10) {
        results.push(
          ...(await Promise.all(
            ops.slice(i, i + 10).map(async (op) => {
              const res = op.forged ? await post(app.urls.endpoint_url, op.forged) : await gatewayCall();
              return { forged: !!op.forged, status: res.status, body: await res.json() };
            }),
          )),
        );
      }
      await f.s.runtime.activation.idle();

      const calls = results.filter((r) => !r.forged);
      const forged = results.filter((r) => r.forged);
      expect(calls).toHaveLength(60);
      const ok = calls.filter((r) => r.status === 200);
      expect(ok.length, JSON.stringify(calls.filter((r) => r.status !== 200).slice(0, 3))).toBeGreaterThanOrEqual(59);
      for (const r of ok) expect(r.body.items).toHaveLength(1);
      for (const r of forged) {
        expect([400, 403]).toContain(r.status);
        expect(r.body).toMatchObject({
          error: expect.stringMatching(/^(invalid_request|access_denied)$/),
          message: expect.any(String),
        });
      }
      // Those with the store's URL get past the field checks and are refused as unknown consumers.
      const plausible = ops.filter((o) => o.forged && o.forged.store_base_url !== 'https://shop.example/').length;
      expect(plausible).toBeGreaterThanOrEqual(20);
      expect(forged.filter((r) => r.status === 403 && r.body.error === 'access_denied')).toHaveLength(plausible);

      expect(await f.s.runtime.links.get(app.clientId)).toEqual(viewBefore);
      expect(await f.s.runtime.links.activeCredentials(app.clientId)).toEqual(credsBefore);
      expect(tokenCalls(f)).toBe(exchangesBefore); // not one exchange started
      const refused = await f.s.runtime.audit.list({ type: 'magento.activation_refused', clientId: app.clientId });
      expect(refused.length - refusedBefore).toBe(40);
    },
  );

  it(
    'an exchange the admin armed runs on the side: calls keep working while it runs, a second POST is ' +
      'refused, the link survives its failure',
    async () => {
      const credsBefore = await f.s.runtime.links.activeCredentials(app.clientId);
      const armed = await f.cli(['magento:link-urls', '--client', app.clientId]);
      let release: () => void = () => {};
      gate = new Promise<void>((r) => (release = r));
      try {
        const accepted = await post(app.urls.endpoint_url, forgedFields(1));
        expect(accepted.status).toBe(200);
        // While that exchange waits on Magento, the app's calls are signed with the working credentials.
        const during = await Promise.all(Array.from({ length: 20 }, () => gatewayCall()));
        expect(during.map((r) => r.status)).toEqual(Array(20).fill(200));
        expect(armed.out).toMatch(/Click Activate in Magento before/);
        expect((await f.s.runtime.links.get(app.clientId))!.pendingActivationAt).toBeInstanceOf(Date);
        const status = JSON.parse((await f.cli(['magento:status', '--client', app.clientId, '--json'])).out);
        expect(status).toMatchObject({
          status: 'active',
          pending_activation_received_at: new Date(f.s.clock.now()).toISOString(),
        });
        // One exchange per link at a time, whoever sends the second POST.
        const second = await post(app.urls.endpoint_url, forgedFields(2));
        expect(second.status).toBe(409);
        expect(await second.json()).toMatchObject({ error: 'activation_in_progress' });
        expect(
          (await f.s.runtime.audit.list({ type: 'magento.activation_refused', clientId: app.clientId }))[0]!.details,
        ).toMatchObject({ refusal: 'in_progress' });
      } finally {
        gate = null;
        release();
      }
      await f.s.runtime.activation.idle();
      const link = (await f.s.runtime.links.get(app.clientId))!;
      expect(link).toMatchObject({ status: 'active', pendingActivationAt: null, confirmedBy: 'store-owner' });
      expect(link.lastError).toMatch(
        /^Magento refused the token exchange \(request token, HTTP 401\).* — the previous credentials are still in use$/,
      );
      expect(await f.s.runtime.links.activeCredentials(app.clientId)).toEqual(credsBefore);
      expect((await gatewayCall()).status).toBe(200);
    },
  );

  it(
    'Reauthorize of the linked integration needs no arming; a new integration needs magento:link-urls, ' +
      'within the hour',
    async () => {
      // A fresh app whose arm was used by its first activation.
      const other = await linkedApp(f, 'Second app');
      const fresh = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
      const before = await f.s.runtime.links.get(other.clientId);
      const posted = await f.emu.activate(fresh.id, other.urls.endpoint_url);
      await f.s.runtime.activation.idle();
      expect(await f.s.runtime.links.get(other.clientId)).toEqual(before);

      // The linked integration's key with another secret is no Reauthorize either.
      const wrongSecret = await post(other.urls.endpoint_url, {
        ...posted,
        oauth_consumer_key: other.integration.consumerKey,
      });
      expect(wrongSecret.status).toBe(403);
      expect(await f.s.runtime.links.get(other.clientId)).toEqual(before);

      // An arm expires.
      await f.cli(['magento:link-urls', '--client', other.clientId]);
      f.s.clock.advance(3601_000);
      await f.emu.activate(fresh.id, other.urls.endpoint_url);
      await f.s.runtime.activation.idle();
      expect(await f.s.runtime.links.get(other.clientId)).toEqual(before);

      // Reauthorize in Magento: same consumer, fresh verifier: exchanged and swapped in.
      await f.emu.activate(other.integration.id, other.urls.endpoint_url);
      await f.s.runtime.activation.idle();
      expect(await f.s.runtime.links.get(other.clientId)).toMatchObject({
        status: 'awaiting_confirmation',
        hasAccessToken: true,
        lastError: null,
      });
      const received = await f.s.runtime.audit.list({ type: 'magento.activation_received', clientId: other.clientId });
      expect(received[0]!.details).toMatchObject({ via: 'linked_consumer' });
    },
  );
});

describe('activation endpoint rate limit per IP', () => {
  let f: LinkFixture;
  beforeAll(async () => {
    f = await startLinkFixture({ env: { ACTIVATION_RATE_LIMIT_MAX: '3', ACTIVATION_RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(() => f.close());

  it(
    'answers 429 with Retry-After past ACTIVATION_RATE_LIMIT_MAX POSTs, unknown endpoint tokens ' +
      'included, and audits it',
    async () => {
      const fields = { oauth_consumer_key: 'x' };
      // The fake clock stands still between these POSTs: one fixed window holds them all.
      const statuses: number[] = [];
      for (const url of [f.urls.endpoint_url, `${f.s.baseUrl}/magento/activate/guessed-token`, f.urls.endpoint_url])
        statuses.push((await post(url, fields)).status);
      expect(statuses).toEqual([400, 404, 400]);
      const before = await f.s.runtime.links.get(f.clientId);
      const limited = await post(f.urls.endpoint_url, {
        oauth_consumer_key: randomToken(),
        oauth_consumer_secret: randomToken(),
        oauth_verifier: randomToken(),
        store_base_url: f.emu.storeBaseUrl,
      });
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
      expect(await f.s.runtime.links.get(f.clientId)).toEqual(before);
      const [audited] = await f.s.runtime.audit.list({ type: 'security.rate_limited' });
      expect(audited).toMatchObject({
        outcome: 'denied',
        ip: expect.stringContaining('127.0.0.1'),
        details: { route: '/magento/activate/:endpointToken' },
      });
      // The next window lets Magento in again.
      f.s.clock.advance(retryAfter * 1000);
      expect((await post(f.urls.endpoint_url, fields)).status).toBe(400);
    },
  );
});
