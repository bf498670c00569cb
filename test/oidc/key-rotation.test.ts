import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import { startOAuthServer, startSibling } from '../support/oauth-flows.js';

let a: TestServer;
let b: TestServer | undefined;
const app = { id: '', secret: '' };

async function jwtToken(s: TestServer): Promise<string> {
  const res = await s.request
    .post('/token')
    .auth(app.id, app.secret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'catalog:read' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.access_token;
}

beforeAll(async () => {
  a = await startOAuthServer();
  const { client, clientSecret } = await a.runtime.clients.create({
    name: 'JWT job',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['catalog:read'],
    tokenFormat: 'jwt',
  });
  Object.assign(app, { id: client.clientId, secret: clientSecret! });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('signing key rotation across instances', () => {
  it('an instance that has not restarted accepts JWTs signed with a key added by keys:rotate', async () => {
    const before = await jwtToken(a);
    const newKid = await a.runtime.keyStore.rotate('RS256');
    // A freshly started instance (after the rotation) signs with the new key…
    b = await startSibling(a, { ISSUER: a.baseUrl }); // instances of one deployment share the issuer
    const after = await jwtToken(b);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(decodeProtectedHeader(before).kid).not.toBe(newKid);
    // …and the old instance, still running, verifies both (it reloads keys on an unknown kid).
    expect(await a.runtime.accessTokenVerifier.verify(after)).toMatchObject({ clientId: app.id, format: 'jwt' });
    expect(await a.runtime.accessTokenVerifier.verify(before)).toMatchObject({ clientId: app.id });
    // Tokens signed by no key of ours are still refused.
    const forged = after.split('.').slice(0, 2).join('.') + '.' + 'A'.repeat(342);
    expect(await a.runtime.accessTokenVerifier.verify(forged)).toBeNull();
  });
});
