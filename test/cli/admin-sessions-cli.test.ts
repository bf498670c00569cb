// sessions:*, admins:show/enable/delete and grants:list --admin against a real server: admins sign
// in through the pages, the CLI acts on the same database, the next authorization shows the effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashId } from '../../src/oidc/postgres-adapter.js';
import type { TestServer } from '../support/test-server.js';
import {
  Browser,
  authorizationUrl,
  createAdmin,
  createClient,
  exchangeCode,
  heading,
  nextStep,
  signIn,
  startInteractionServer,
} from '../support/page-flows.js';
import { runCliInProcess, serverCliContext } from '../support/in-process-cli.js';

let s: TestServer;
let client: { clientId: string; secret: string };
let alice: string;
let bob: string;

const cli = (...argv: string[]) => runCliInProcess(argv, () => serverCliContext(s));
const json = async <T>(...argv: string[]): Promise<T> => {
  const r = await cli(...argv, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as T;
};

interface SessionJson {
  session_id: string;
  admin_id: string;
  admin: string;
  signed_in_at: string;
  expires_at: string;
}
interface GrantJson {
  grant_id: string;
  client_id: string;
  admin: string;
  live_tokens: number;
  scopes: string[];
}

/** Signs in through the pages and approves; returns the browser (its session cookie) and the tokens. */
async function approve(username: string, secret: string, scope?: string) {
  const b = new Browser(s.baseUrl);
  nextStep(s);
  const { url, verifier } = authorizationUrl(s, client.clientId, scope);
  const consent = await signIn(s, b, url, username, secret);
  expect(heading(consent.html)).toMatch(/^Allow /);
  const back = await b.submit(consent, 'consent', { decision: 'approve' });
  const code = new URL(back.url).searchParams.get('code')!;
  const tokens = await exchangeCode(s, client, code, verifier);
  expect(tokens.status).toBe(200);
  return { b, tokens: tokens.body as { access_token: string; refresh_token?: string } };
}

/** The page the next authorization in this browser shows first. */
async function nextAuthorization(b: Browser) {
  return heading((await b.go('GET', authorizationUrl(s, client.clientId, 'catalog:read').url)).html);
}

beforeAll(async () => {
  s = await startInteractionServer();
  client = await createClient(s);
  alice = (await createAdmin(s, 'alice')).secret!;
  bob = (await createAdmin(s, 'bob')).secret!;
});
afterAll(async () => s?.close());

describe(
  `sign-in sessions, admins and grants from the CLI ` + `(${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`,
  () => {
    it('sessions:list shows who is signed in; sessions:revoke --session makes that browser sign in again', async () => {
      const { b } = await approve('alice', alice);
      const list = await json<SessionJson[]>('sessions:list');
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ admin: 'alice', session_id: expect.any(String) });
      expect(Date.parse(list[0]!.signed_in_at)).toBeLessThanOrEqual(s.clock.now());
      expect(Date.parse(list[0]!.expires_at)).toBeGreaterThan(s.clock.now());
      // The id shown names the session; it is not the cookie value (rows are keyed by the cookie's hash).
      const row = await s.testDb.db('oidc_payloads').where({ model: 'Session', uid: list[0]!.session_id }).first();
      expect(row).toBeTruthy();
      expect(row.id).not.toBe(hashId(list[0]!.session_id));
      expect((await cli('sessions:list')).out).toMatch(new RegExp(`^${list[0]!.session_id}  alice `));

      expect(await nextAuthorization(b)).toMatch(/^Allow /); // still signed in
      const revoked = await cli('sessions:revoke', '--session', list[0]!.session_id);
      expect(revoked).toMatchObject({ code: 0, out: `revoked 1 sign-in session(s): ${list[0]!.session_id}` });
      expect(await json<SessionJson[]>('sessions:list')).toEqual([]);
      expect(await nextAuthorization(b)).toBe('Sign in');
      const [event] = await s.runtime.audit.list({ type: 'admin.session_revoked' });
      expect(event).toMatchObject({ actor: 'cli', details: { admin: 'alice', session: list[0]!.session_id } });
    });

    it('sessions:revoke --admin ends every session of that admin only', async () => {
      const a1 = await approve('alice', alice);
      const a2 = await approve('alice', alice);
      const b1 = await approve('bob', bob);
      expect((await json<SessionJson[]>('sessions:list', '--admin', 'alice')).map((x) => x.admin)).toEqual([
        'alice',
        'alice',
      ]);
      const r = await json<{ revoked: SessionJson[] }>('sessions:revoke', '--admin', 'ALICE');
      expect(r.revoked).toHaveLength(2);
      expect(await nextAuthorization(a1.b)).toBe('Sign in');
      expect(await nextAuthorization(a2.b)).toBe('Sign in');
      expect(await nextAuthorization(b1.b)).toMatch(/^Allow /);
      expect((await json<SessionJson[]>('sessions:list')).map((x) => x.admin)).toEqual(['bob']);
    });

    it(
      'grants:list names the admin, filters by --admin, counts only live tokens, and drops grants with ' + 'none',
      async () => {
        await s.testDb.db('oidc_payloads').where({ model: 'Grant' }).delete();
        await approve('alice', alice, 'catalog:read offline_access');
        await approve('bob', bob, 'catalog:read'); // no refresh token: the access token is all it has
        const all = await json<GrantJson[]>('grants:list');
        expect(all.map((g) => g.admin).sort()).toEqual(['alice', 'bob']);
        const mine = await json<GrantJson[]>('grants:list', '--admin', 'alice', '--client', client.clientId);
        expect(mine).toHaveLength(1);
        // The access and refresh tokens; the consumed authorization code is no longer access.
        expect(mine[0]).toMatchObject({ admin: 'alice', client_id: client.clientId, live_tokens: 2 });
        expect((await cli('grants:list', '--admin', 'alice')).out).toMatch(/ admin alice /);

        // An hour and a bit later bob's access token has expired: that grant is no longer active.
        s.clock.advance((s.config.accessTokenTtlS + 60) * 1000);
        expect((await json<GrantJson[]>('grants:list')).map((g) => g.admin)).toEqual(['alice']);
        expect(await json<GrantJson[]>('grants:list', '--admin', 'bob')).toEqual([]);
      },
    );

    it('admins:show, admins:enable (and disable --enable), admins:delete with its sessions and grants', async () => {
      expect(await json('admins:show', '--username', 'bob')).toMatchObject({
        username: 'bob',
        totp_enrolled: true,
        disabled: false,
        last_login_at: expect.any(String),
      });
      expect((await cli('admins:disable', '--username', 'bob')).code).toBe(0);
      expect(await json('admins:show', '--username', 'bob')).toMatchObject({ disabled: true });
      // alice is the last enabled admin now: deleting her would leave nobody to approve anything.
      const refused = await cli('admins:delete', '--username', 'alice', '--yes');
      expect(refused).toMatchObject({
        code: 1,
        err: 'admins:delete: "alice" is the last enabled owner (deleting it would leave nobody to manage the bridge); create or enable another owner first',
      });
      expect((await cli('admins:enable', '--username', 'bob')).out).toBe('admin enabled');
      expect(await json('admins:show', '--username', 'bob')).toMatchObject({ disabled: false });
      await cli('admins:disable', '--username', 'bob');
      expect((await cli('admins:disable', '--username', 'bob', '--enable')).out).toBe('admin enabled');

      const { b } = await approve('alice', alice, 'catalog:read offline_access');
      const grantIds = (await json<GrantJson[]>('grants:list', '--admin', 'alice')).map((g) => g.grant_id);
      expect(grantIds.length).toBeGreaterThan(0);
      const issued = () => s.testDb.db('oidc_payloads').whereIn('grant_id', grantIds).select('model');
      expect((await issued()).map((r: { model: string }) => r.model)).toEqual(
        expect.arrayContaining(['Grant', 'AccessToken', 'RefreshToken']),
      );
      const sessionsBefore = (await json<SessionJson[]>('sessions:list', '--admin', 'alice')).length;
      expect(sessionsBefore).toBeGreaterThan(0);
      expect((await cli('admins:delete', '--username', 'alice')).code).toBe(2); // needs --yes
      const deleted = await json<{ username: string; sessions_revoked: number; grants_revoked: number }>(
        'admins:delete',
        '--username',
        'alice',
        '--yes',
      );
      expect(deleted).toMatchObject({
        username: 'alice',
        sessions_revoked: sessionsBefore,
        grants_revoked: grantIds.length,
      });
      expect((await json<SessionJson[]>('sessions:list')).map((x) => x.admin)).not.toContain('alice');
      expect(await s.testDb.db('admins').where({ username: 'alice' }).first()).toBeUndefined();
      expect(await issued()).toEqual([]); // every grant alice approved, with its tokens
      expect(await nextAuthorization(b)).toBe('Sign in');
      expect(await json<GrantJson[]>('grants:list', '--client', client.clientId)).toEqual([]);
      expect((await cli('admins:show', '--username', 'alice')).code).toBe(3);
      const [event] = await s.runtime.audit.list({ type: 'admin.deleted' });
      expect(event).toMatchObject({
        actor: 'cli',
        details: { admin: 'alice', sessions: sessionsBefore, grants: grantIds.length },
      });
    });
  },
);
