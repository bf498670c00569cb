// tokens:stats counts from the audit trail what the token endpoint did per client, and clients:list
// flags secrets older than CLIENT_SECRET_MAX_AGE_DAYS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  catalogReader,
  codeFlow,
  discover,
  insecure,
  oauth,
  publicApp,
  register,
  startOAuthServer,
} from '../support/oauth-flows.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';
import { alertOldSecrets } from '../../src/runtime/secret-age-alerts.js';

describe('tokens:stats and secret age', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startOAuthServer({ CLIENT_SECRET_MAX_AGE_DAYS: '30', ACCESS_TOKEN_TTL_S: '600' });
  });
  afterAll(() => s.close());
  const cli = (...argv: string[]) => runCliInProcess(argv, () => serverCliContext(s));

  it('issued, refreshed, expired unused, revoked per client', async () => {
    const as = await discover(s);
    const app = await register(s, publicApp({ name: 'mobile' }));
    const used = await codeFlow(s, as, app, { scope: 'catalog:read offline_access' });
    await codeFlow(s, as, app, { scope: 'catalog:read' }); // never used, never refreshed
    const refreshed = await oauth.refreshTokenGrantRequest(
      as,
      app.client,
      app.auth,
      used.tokens.refresh_token!,
      insecure,
    );
    expect(refreshed.status).toBe(200);
    const revoke = await oauth.revocationRequest(as, app.client, app.auth, used.tokens.access_token, insecure);
    expect(revoke.status).toBe(200);
    const erp = await catalogReader(s, 'erp');
    for (let i = 0; i < 3; i++) expect((await erp.token(erp.secret)).status).toBe(200);

    s.clock.advance(601_000); // every access token above has expired
    await s.runtime.audit.flush();
    const r = await cli('tokens:stats', '--json');
    expect(r.code, r.err).toBe(0);
    const stats = JSON.parse(r.out);
    const byName = Object.fromEntries(stats.clients.map((c: { name: string }) => [c.name, c]));
    expect(byName.mobile).toMatchObject({ issued: 2, refreshed: 1, expired_unused: 1, revoked: 1 });
    expect(byName.erp).toMatchObject({ issued: 3, refreshed: 0, expired_unused: 0, revoked: 0 });
    const text = await cli('tokens:stats', '--client', app.clientId);
    expect(text.out).toMatch(/mobile +2 +1 +1 +1 +0/);
    expect((await cli('tokens:stats', '--since', 'yesterday')).code).toBe(2);
  });

  it('clients:list flags a secret older than CLIENT_SECRET_MAX_AGE_DAYS until it is rotated', async () => {
    const c = await catalogReader(s, 'aging');
    s.clock.advance(31 * 86_400_000);
    const listed = await cli('clients:list');
    expect(listed.out).toContain(`SECRET 31 DAYS OLD (over 30): clients:rotate-secret --client ${c.clientId}`);
    const json = JSON.parse((await cli('clients:list', '--json')).out);
    expect(json.find((x: { client_id: string }) => x.client_id === c.clientId)).toMatchObject({
      secret_age_days: 31,
      secret_rotation_due: true,
    });
    // One alert per old secret, however often the check runs; a rotated secret starts over.
    expect(await alertOldSecrets(s.runtime)).toBe(2); // this client and the first test's "erp"
    expect(await alertOldSecrets(s.runtime)).toBe(0);
    expect(await s.runtime.metrics.registry.getSingleMetricAsString('bridge_alerts_total')).toContain(
      'bridge_alerts_total{rule="client_secret_age"} 2',
    );
    await s.runtime.audit.flush();
    const raised = await s.runtime.audit.list({ type: 'alert.raised', clientId: c.clientId });
    expect(raised).toHaveLength(1);
    expect(raised[0]!.details).toMatchObject({ rule: 'client_secret_age' });
    await s.runtime.clients.rotateSecret(c.clientId);
    const after = JSON.parse((await cli('clients:list', '--json')).out);
    expect(after.find((x: { client_id: string }) => x.client_id === c.clientId)).toMatchObject({
      secret_age_days: 0,
      secret_rotation_due: false,
    });
  });
});
