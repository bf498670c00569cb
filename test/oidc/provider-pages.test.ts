import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { contentSecurityPolicy } from '../../src/security/security-headers.js';
import {
  REDIRECT_URI,
  authorizationUrl,
  createClient,
  heading,
  startInteractionServer,
} from '../support/page-flows.js';

/** The headers every bridge page carries (src/security/security-headers.ts). */
function expectPageHeaders(headers: Record<string, string>) {
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).toContain("default-src 'none'");
}

describe('pages oidc-provider renders: same headers and layout as the bridge pages', () => {
  let s: TestServer;
  let clientId: string;
  beforeAll(async () => {
    s = await startInteractionServer({ BRAND_NAME: 'Acme Outdoor <Shop>' });
    ({ clientId } = await createClient(s));
  });
  afterAll(() => s.close());

  it('an unknown client gets the product layout, words for a person, and the code for the developer', async () => {
    const res = await s.request.get('/auth?client_id=unknown&response_type=code&scope=catalog%3Aread');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expectPageHeaders(res.headers);
    expect(res.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(res.headers['cache-control']).toBe('no-store');
    expect(heading(res.text)).toBe('This application is not known here');
    expect(res.text).toContain(
      '<title>This application is not known here · Store Access Bridge for Acme Outdoor &lt;Shop&gt;</title>',
    );
    expect(res.text).toContain('class="topbar"');
    expect(res.text).toContain('<span class="brand-name">Store Access Bridge</span>');
    expect(res.text).toContain('Acme Outdoor &lt;Shop&gt;</span>');
    expect(res.text).not.toContain('<Shop>');
    expect(res.text).toContain('<dt>Error code</dt><dd><code>invalid_client</code></dd>');
    expect(res.text).toMatch(/<dt>Description<\/dt><dd>client is invalid<\/dd>/);
    expect(res.text).not.toMatch(/Magento OAuth/);
  });

  it('an unregistered redirect_uri is explained, and nothing is redirected', async () => {
    const url = new URL(authorizationUrl(s, clientId).url);
    url.searchParams.set('redirect_uri', 'https://evil.example/cb?<b>x</b>');
    const res = await s.request.get(url.pathname + url.search);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expectPageHeaders(res.headers);
    expect(heading(res.text)).toBe('This application sent you to the wrong address');
    expect(res.text).toContain('<code>invalid_redirect_uri</code>');
    expect(res.text).not.toContain('<b>x</b>');
  });

  it('a form_post response carries the page headers; its CSP allows only its own script and the client', async () => {
    const url = new URL(authorizationUrl(s, clientId, 'catalog:read').url);
    url.searchParams.set('response_mode', 'form_post');
    url.searchParams.set('prompt', 'none'); // nobody signed in → login_required, posted back to the app
    const res = await s.request.get(url.pathname + url.search);
    expect(res.status).toBe(400);
    expect(res.text).toContain(`<form method="post" action="${REDIRECT_URI}">`);
    expect(res.text).toContain('name="error" value="login_required"');
    expectPageHeaders(res.headers);
    const script = /<script>([\s\S]*?)<\/script>/.exec(res.text)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(res.headers['content-security-policy']).toBe(
      `${contentSecurityPolicy(['https://app.example.com'])}; script-src 'sha256-${hash}'`,
    );
  });

  it('JSON endpoints are left alone (no page CSP on the token endpoint)', async () => {
    const res = await s.request.post('/token').type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(res.headers['content-security-policy']).toBeUndefined();
  });
});
