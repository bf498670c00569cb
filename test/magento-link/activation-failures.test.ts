import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { fetch as undiciFetch } from 'undici';
import { randomToken } from '../../tools/magento-emulator/emulator-store.js';
import { startLinkFixture, type LinkFixture } from '../support/magento-link-fixture.js';

const post = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

describe('Magento activation POST: refusals and failed exchanges', () => {
  let f: LinkFixture;
  /** When set, 301 s of fake time pass before the next exchange call reaches Magento. */
  let delayNext = false;
  beforeAll(async () => {
    f = await startLinkFixture({
      handshake: (s) => ({
        fetch: (url, init) => {
          if (delayNext) {
            delayNext = false;
            s().clock.advance(301_000);
          }
          return undiciFetch(url, init);
        },
      }),
    });
  });
  afterAll(() => f.close());

  const valid = () => ({
    oauth_consumer_key: randomToken(),
    oauth_consumer_secret: randomToken(),
    store_base_url: f.emu.storeBaseUrl,
    oauth_verifier: randomToken(),
  });

  it('refuses another store_base_url without any outbound call, and audits it', async () => {
    const before = f.emu.verdicts.length;
    const res = await post(f.urls.endpoint_url, { ...valid(), store_base_url: 'http://169.254.169.254/latest/' });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/not the configured Magento store/);
    await f.s.runtime.activation.idle();
    expect(f.emu.verdicts.length).toBe(before);
    expect(await f.s.runtime.links.get(f.clientId)).toMatchObject({ status: 'pending', activationReceivedAt: null });
    const [refused] = await f.s.runtime.audit.list({ type: 'magento.activation_refused' });
    expect(refused).toMatchObject({ outcome: 'denied', clientId: f.clientId });
    expect(String(refused!.details?.reason)).toContain('169.254.169.254');
  });

  it('accepts the configured store URL written differently (case, trailing slash)', async () => {
    const upper = f.emu.storeBaseUrl.replace('http://', 'HTTP://').replace(/\/$/, '');
    const res = await post(f.urls.endpoint_url, { ...valid(), store_base_url: upper });
    expect(res.status).toBe(200);
    await f.s.runtime.activation.idle(); // the exchange fails (unknown consumer): fine here
  });

  it.each([
    ['a short consumer key', { oauth_consumer_key: 'abc' }, /oauth_consumer_key/],
    ['an upper-case secret', { oauth_consumer_secret: 'A'.repeat(32) }, /oauth_consumer_secret/],
    ['a missing verifier', { oauth_verifier: undefined }, /oauth_verifier/],
    ['a verifier with symbols', { oauth_verifier: `${'a'.repeat(31)}!` }, /oauth_verifier/],
    ['a store URL with a query', { store_base_url: 'http://127.0.0.1/?x=1' }, /store_base_url/],
  ])('refuses %s with 400', async (_name, patch, message) => {
    const fields = Object.fromEntries(
      Object.entries({ ...valid(), ...patch }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    const before = f.emu.verdicts.length;
    const res = await post(f.urls.endpoint_url, fields);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(message);
    expect(f.emu.verdicts.length).toBe(before);
  });

  it('answers 404 to an unknown endpoint token and 415 to a non-form body', async () => {
    expect((await post(`${f.s.baseUrl}/magento/activate/not-a-real-token`, valid())).status).toBe(404);
    const json = await fetch(f.urls.endpoint_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(valid()),
    });
    expect(json.status).toBe(415);
    // An oversized form is refused before it is read, and the link is left as it was.
    const before = await f.s.runtime.links.get(f.clientId);
    const big = await post(f.urls.endpoint_url, { ...valid(), padding: 'x'.repeat(8192) });
    expect(big.status).toBe(413);
    expect(await f.s.runtime.links.get(f.clientId)).toEqual(before);
  });

  it("marks the link failed with Magento's oauth_problem when the verifier is wrong", async () => {
    const integration = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
    // Magento issues a verifier on Activate; the POST that reaches us carries another one.
    await f.emu.activate(integration.id, `${f.s.baseUrl}/magento/activate/elsewhere`);
    const res = await post(f.urls.endpoint_url, {
      oauth_consumer_key: integration.consumerKey,
      oauth_consumer_secret: integration.consumerSecret,
      store_base_url: f.emu.storeBaseUrl,
      oauth_verifier: randomToken(),
    });
    expect(res.status).toBe(200);
    await f.s.runtime.activation.idle();
    const link = await f.s.runtime.links.get(f.clientId);
    expect(link?.status).toBe('failed');
    expect(link?.lastError).toContain('Token verifier and verifier token do not match');
    expect(await f.s.runtime.links.activeCredentials(f.clientId)).toBeNull();

    const status = await f.cli(['magento:status', '--client', f.clientId]);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/status:\s+failed/);
    expect(status.out).toContain(
      'last error:  Magento refused the token exchange (access token, HTTP 401): Token verifier and ' +
        'verifier token do not match',
    );
    const [failed] = await f.s.runtime.audit.list({ type: 'magento.link_failed' });
    expect(failed).toMatchObject({ outcome: 'failure', clientId: f.clientId });
  });

  it(
    'fails with "Consumer key has expired" when the exchange starts too late (fake clock shared with ' +
      'the emulator)',
    async () => {
      const integration = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
      delayNext = true;
      await f.emu.activate(integration.id, f.urls.endpoint_url);
      await f.s.runtime.activation.idle();
      const link = await f.s.runtime.links.get(f.clientId);
      expect(link?.status).toBe('failed');
      expect(link?.lastError).toMatch(/request token, HTTP 401\): Consumer key has expired/);
      const status = JSON.parse((await f.cli(['magento:status', '--client', f.clientId, '--json'])).out);
      expect(status).toMatchObject({ status: 'failed', has_access_token: false });
      expect(status.last_error).toContain('Consumer key has expired');
    },
  );
});

describe('Magento activation received by a process that died before the exchange', () => {
  let f: LinkFixture;
  beforeAll(async () => {
    f = await startLinkFixture();
  });
  afterAll(() => f.close());

  it('is exchanged by the next start while Magento still accepts the consumer, and only then', async () => {
    // Magento's POST reached a server that stored it and died: record it exactly as the endpoint does.
    const capture = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    const integration = f.emu.createIntegration({ resources: ['Magento_Catalog::products'] });
    const posted = await f.emu.activate(
      integration.id,
      `http://127.0.0.1:${(capture.address() as { port: number }).port}/`,
    );
    capture.close();
    await f.s.runtime.links.recordActivation(f.clientId, {
      consumerKey: posted.oauth_consumer_key,
      consumerSecret: posted.oauth_consumer_secret,
      verifier: posted.oauth_verifier,
      storeBaseUrl: f.emu.storeBaseUrl,
    });
    expect((await f.s.runtime.links.get(f.clientId))!.status).toBe('pending');

    expect(await f.s.runtime.activation.resumeUnfinished()).toBe(1);
    await f.s.runtime.activation.idle();
    expect(await f.s.runtime.links.get(f.clientId)).toMatchObject({
      status: 'awaiting_confirmation',
      hasAccessToken: true,
    });
    // The finished exchange is not resumed again.
    expect(await f.s.runtime.activation.resumeUnfinished()).toBe(0);
  });
});
