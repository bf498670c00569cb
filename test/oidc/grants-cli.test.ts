import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  codeFlow,
  discover,
  type oauth,
  postToken,
  register,
  startOAuthServer,
  webApp,
  WEB_REDIRECT,
  type RegisteredClient,
} from '../support/oauth-flows.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';

let s: TestServer;
let as: oauth.AuthorizationServer;
let app: RegisteredClient;

const cli = (...argv: string[]) => runCliInProcess(argv, () => serverCliContext(s));

beforeAll(async () => {
  s = await startOAuthServer();
  as = await discover(s);
  app = await register(s, webApp());
});
afterAll(async () => s?.close());

describe('grants:list and grants:revoke', () => {
  it('lists the approval with its scopes, and revoking it ends every token from it', async () => {
    const { tokens } = await codeFlow(s, as, app, { scope: 'catalog:read offline_access', redirectUri: WEB_REDIRECT });
    const listed = JSON.parse((await cli('grants:list', '--client', app.clientId, '--json')).out);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      client_id: app.clientId,
      scopes: expect.arrayContaining(['catalog:read', 'offline_access']),
    });
    expect(listed[0].live_tokens).toBeGreaterThanOrEqual(2);

    const revoked = await cli('grants:revoke', '--grant', listed[0].grant_id);
    expect(revoked.code).toBe(0);
    expect(await s.runtime.accessTokenVerifier.verify(tokens.access_token)).toBeNull();
    const refresh = await postToken(
      s,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      { authorization: `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}` },
    );
    expect([refresh.status, refresh.body.error]).toEqual([400, 'invalid_grant']);
    expect(JSON.parse((await cli('grants:list', '--client', app.clientId, '--json')).out)).toEqual([]);
    const audit = JSON.parse((await cli('audit:list', '--type', 'grant.revoked', '--json')).out) as {
      grant_id: string;
      actor: string;
    }[];
    expect(audit.some((e) => e.grant_id === listed[0].grant_id && e.actor === 'cli')).toBe(true);
    // The consent that created the grant is in the trail too, with the admin and the scopes.
    const consents = JSON.parse(
      (await cli('audit:list', '--client', app.clientId, '--type', 'consent.approved', '--json')).out,
    );
    expect(consents[0]).toMatchObject({ type: 'consent.approved', client_id: app.clientId });
    expect((await cli('audit:list', '--limit', '0')).code).toBe(2);
  });

  it('an unknown grant or a missing flag is a clear error', async () => {
    expect(await cli('grants:revoke', '--grant', 'nope')).toMatchObject({
      code: 3,
      err: 'grants:revoke: no grant nope (see grants:list)',
    });
    expect((await cli('grants:revoke')).code).toBe(2);
  });
});
