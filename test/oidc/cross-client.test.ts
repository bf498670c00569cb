import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

let s: TestServer;
const apps: { id: string; secret: string }[] = [];
const notices: string[] = [];

async function token(app: { id: string; secret: string }) {
  const res = await s.request
    .post('/token')
    .auth(app.id, app.secret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'catalog:read' });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void notices.push(a.join(' ')));
  s = await startTestServer();
  for (const name of ['App A', 'App B']) {
    const { client, clientSecret } = await s.runtime.clients.create({
      name,
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
    });
    apps.push({ id: client.clientId, secret: clientSecret! });
  }
});
afterAll(async () => {
  await s?.close();
  vi.restoreAllMocks();
});

describe("one app cannot revoke another app's tokens", () => {
  it("revoking another client's token is refused and the token stays active", async () => {
    const bToken = await token(apps[1]!);
    const res = await s.request
      .post('/token/revocation')
      .auth(apps[0]!.id, apps[0]!.secret)
      .type('form')
      .send({ token: bToken });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    const own = await s.request
      .post('/token/introspection')
      .auth(apps[1]!.id, apps[1]!.secret)
      .type('form')
      .send({ token: bToken });
    expect(own.body.active).toBe(true);
  });

  it('our own policies are used (no oidc-provider default-policy notice)', () => {
    expect(notices.filter((n) => n.includes('allowedPolicy'))).toEqual([]);
  });
});
