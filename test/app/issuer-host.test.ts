import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { Browser, authorizeThroughPages } from '../support/page-browser.js';
import {
  oauth,
  pageAdmin,
  postToken,
  publicApp,
  PUBLIC_REDIRECT,
  register,
  startOAuthServer,
  startSibling,
} from '../support/oauth-flows.js';

const EVIL = 'evil.example';
let s: TestServer;

/** Remembers every response (status, location, body) the browser sees. */
class RecordingBrowser extends Browser {
  seen: { target: string; location: string | null; body: string }[] = [];
  override async request(method: 'GET' | 'POST', target: string, form?: Record<string, string>): Promise<Response> {
    const res = await super.request(method, target, form);
    this.seen.push({ target, location: res.headers.get('location'), body: await res.clone().text() });
    return res;
  }
}

/** Raw HTTP, so the Host header and an absolute-form request target go out as written. */
function raw(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(s.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (c) => (body += c))
        .on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

async function authUrl(base: string, clientId: string, verifier: string) {
  return `${base}/auth?${new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'catalog:read',
    redirect_uri: PUBLIC_REDIRECT,
    state: 'st',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  })}`;
}

beforeAll(async () => {
  s = await startOAuthServer();
});
afterAll(async () => s?.close());

describe('absolute URLs come from ISSUER, never from the request', () => {
  it('discovery ignores Host; an absolute-form request target is refused', async () => {
    const absolute = await raw(`http://${EVIL}/.well-known/openid-configuration`, { host: EVIL });
    expect(absolute.status).toBe(400);
    expect(absolute.body).not.toContain(EVIL);
    for (const [path, host] of [
      ['/.well-known/openid-configuration', EVIL],
      ['/.well-known/oauth-authorization-server', `${EVIL}:8443`],
    ] as const) {
      const res = await raw(path, { host, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' });
      expect(res.status, path).toBe(200);
      expect(res.body).not.toContain(EVIL);
      const doc = JSON.parse(res.body);
      expect(doc).toMatchObject({
        issuer: s.baseUrl,
        token_endpoint: `${s.baseUrl}/token`,
        authorization_endpoint: `${s.baseUrl}/auth`,
        jwks_uri: `${s.baseUrl}/jwks`,
      });
    }
  });

  it('a whole sign-in through a proxy that forwards a hostile X-Forwarded-Host (TRUST_PROXY=true)', async () => {
    const s2 = await startSibling(s, { TRUST_PROXY: 'true' });
    try {
      const rc = await register(s2, publicApp());
      const verifier = oauth.generateRandomCodeVerifier();
      const b = new RecordingBrowser(s2.baseUrl, { 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' });
      const page = await authorizeThroughPages(
        b,
        s2.clock,
        await pageAdmin(s2),
        await authUrl(s2.baseUrl, rc.clientId, verifier),
      );
      const callback = new URL(page.url);
      expect(callback.origin + callback.pathname).toBe(PUBLIC_REDIRECT);
      expect(b.seen.length).toBeGreaterThan(4);
      for (const r of b.seen) expect(`${r.location} ${r.body}`, r.target).not.toContain(EVIL);
      // The provider's own absolute redirect (back to /auth/:uid after each step) names the issuer.
      expect(b.seen.some((r) => r.location?.startsWith(`${s2.baseUrl}/auth/`))).toBe(true);
      const tokens = await postToken(
        s2,
        {
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code')!,
          redirect_uri: PUBLIC_REDIRECT,
          client_id: rc.clientId,
          code_verifier: verifier,
        },
        { 'x-forwarded-host': EVIL },
      );
      expect(tokens.status).toBe(200);
    } finally {
      await s2.close();
    }
  });
});
