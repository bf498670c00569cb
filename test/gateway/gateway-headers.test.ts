import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
  type MagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkedClient } from '../support/linked-client.js';

// What crosses the gateway in each direction besides the body: request targets and headers.
let emu: MagentoEmulator;
let s: TestServer;
let token: string;

beforeAll(async () => {
  emu = await startMagentoEmulator();
  s = await startTestServer({ env: { MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE } });
  ({ token } = await linkedClient(s, emu, { name: 'headers', scopes: ['catalog:read'] }));
});
afterAll(async () => {
  await s?.close();
  await emu?.close();
});

/** Sends one request exactly as written (request line included) and returns the raw answer. */
function rawRequest(
  requestLine: string,
  headers: string[] = [],
): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(s.baseUrl);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.write(
        `${requestLine}\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: ` +
          `close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`,
      );
    });
    let data = '';
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('error', reject);
    sock.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head!)?.[1]), headers: head!, body: rest.join('\r\n\r\n') });
    });
  });
}

describe('gateway: request targets', () => {
  it('an absolute-form target → 400 invalid_request; Magento is not called', async () => {
    const before = emu.verdicts.length;
    const res = await rawRequest('GET http://other.host/rest/V1/products/ABC%2F10 HTTP/1.1');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''))).toMatchObject({
      error: 'invalid_request',
      message: expect.stringMatching(/origin-form/),
    });
    expect(emu.verdicts.length).toBe(before);
  });

  it('an asterisk-form target → 400', async () => {
    const res = await rawRequest('OPTIONS * HTTP/1.1');
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/invalid_request/);
  });

  it('a fragment in the target is never forwarded; path and query are, unchanged', async () => {
    const res = await rawRequest('GET /rest/V1/test/headers?x=%2F1#frag HTTP/1.1');
    expect(res.status).toBe(200);
    expect(emu.verdicts.at(-1)).toMatchObject({ ok: true, path: '/rest/V1/test/headers?x=%2F1' });
  });
});

describe('gateway: headers', () => {
  it('forwards an allowlist of request headers and sets its own X-Forwarded-*', async () => {
    const res = await s.request
      .get('/rest/V1/test/headers')
      .set('Authorization', `Bearer ${token}`)
      .set('X-HTTP-Method-Override', 'DELETE')
      .set('X-Method-Override', 'DELETE')
      .set('X-Original-URL', '/rest/V1/orders')
      .set('X-Rewrite-URL', '/rest/V1/orders')
      .set('Connection', 'keep-alive, X-Secret-Hop')
      .set('X-Secret-Hop', '1')
      .set('Proxy-Authorization', 'Basic Zm9vOmJhcg==')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'https')
      .set('Forwarded', 'for=203.0.113.9;host=evil.example')
      .set('Cookie', 'admin=1')
      .set('X-Anything', 'else')
      .set('DPoP', 'eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.c2ln')
      .set('Store', 'fr')
      .set('Content-Currency', 'EUR')
      .set('Accept-Language', 'fr-FR')
      .set('If-None-Match', '"abc"')
      .set('User-Agent', 'erp-sync/1.0');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(emu.verdicts.at(-1)).toMatchObject({ ok: true });
    const seen = res.body.headers as Record<string, string>;
    for (const name of [
      'x-http-method-override',
      'x-method-override',
      'x-original-url',
      'x-rewrite-url',
      'x-secret-hop',
      'proxy-authorization',
      'forwarded',
      'x-forwarded-host',
      'cookie',
      'x-anything',
      'dpop',
    ]) {
      expect(seen, name).not.toHaveProperty(name);
    }
    expect(seen).toMatchObject({
      store: 'fr',
      'content-currency': 'EUR',
      'accept-language': 'fr-FR',
      'if-none-match': '"abc"',
      'user-agent': 'erp-sync/1.0',
      // Ours: the peer we saw (TRUST_PROXY is off), and the scheme the request was signed for.
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-request-id': res.headers['x-request-id'],
    });
    expect(seen.authorization).toMatch(/^OAuth /);
    expect(seen.connection ?? '').not.toMatch(/secret-hop/i);
  });

  it("drops store-set headers that would act on the bridge's origin; keeps the ones describing the answer", async () => {
    const res = await s.request
      .get('/rest/V1/test/headers')
      .set('Authorization', `Bearer ${token}`)
      .set('Origin', 'https://app.example.com');
    expect(res.status).toBe(200);
    for (const name of [
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'strict-transport-security',
      'content-security-policy',
      'refresh',
      'set-cookie',
      'alt-svc',
      'x-emulator-hop',
    ]) {
      expect(res.headers, name).not.toHaveProperty(name);
    }
    expect(res.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'max-age=60',
      etag: '"emu-1"',
      'x-bridge-source': 'upstream',
    });
  });
});
