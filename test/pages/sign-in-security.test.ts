import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  Browser,
  PASSWORD,
  admins,
  authorizationUrl,
  createAdmin,
  createClient,
  findForm,
  heading,
  nextStep,
  startInteractionServer,
  totpNow,
} from '../support/page-flows.js';

const GENERIC = 'The username or password is incorrect, or the account is temporarily locked.';

async function sequence<T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await f(i));
  return out;
}

describe(`sign-in security (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let s: TestServer;
  let clientId: string;

  beforeAll(async () => {
    s = await startInteractionServer();
    ({ clientId } = await createClient(s));
  });
  afterAll(() => s.close());

  const start = async () => {
    const b = new Browser(s.baseUrl);
    return { b, login: await b.go('GET', authorizationUrl(s, clientId).url) };
  };

  it('unknown user, wrong password and locked account get the same message and status', async () => {
    await createAdmin(s, 'gina');
    const { b, login } = await start();
    const unknown = await b.submit(login, 'login', { username: 'nobody', password: PASSWORD });
    const wrong = await b.submit(login, 'login', { username: 'gina', password: 'not the password at all' });
    await s.testDb
      .db('admins')
      .where({ username: 'gina' })
      .update({ locked_until: new Date(s.clock.now() + 60_000) });
    const locked = await b.submit(login, 'login', { username: 'gina', password: PASSWORD });
    for (const p of [unknown, wrong, locked]) {
      expect(p.status).toBe(401);
      expect(heading(p.html)).toBe('Sign in');
      expect(p.html).toContain(`role="alert" id="form-error">${GENERIC}<`);
    }
    await admins(s).unlock('gina');
  });

  it('a password typed into the username field never reaches the audit trail (keyed hash instead)', async () => {
    await createAdmin(s, 'jules');
    const typo = 'Hunter2-my-real-Passw0rd!';
    const { b, login } = await start();
    const page = await b.submit(login, 'login', { username: typo, password: 'whatever' });
    expect(page.status).toBe(401);
    const again = await b.submit(page, 'login', { username: `  ${typo} `, password: 'whatever' });
    expect(again.status).toBe(401);
    const known = await b.submit(again, 'login', { username: 'jules', password: 'not the password at all' });
    expect(known.status).toBe(401);
    await admins(s).unlock('jules');

    await s.runtime.audit.flush();
    const rows = await s.testDb.db('audit_events').where({ type: 'admin.login_failed' }).orderBy('id');
    // Every column, details included, as the database holds it.
    const raw = await s.testDb.db.raw("select string_agg(row_to_json(a)::text, ' ') as dump from audit_events a");
    expect(raw.rows[0].dump).not.toContain(typo);
    expect(raw.rows[0].dump.toLowerCase()).not.toContain('hunter2');
    const unknown = rows.filter((r) => r.details?.reason === 'unknown_user').slice(-2);
    expect(unknown).toHaveLength(2);
    expect(unknown[0].actor).toMatch(/^unknown:[0-9a-f]{16}$/);
    // The same text gives the same actor, so repeated attempts can still be correlated.
    expect(unknown[1].actor).toBe(unknown[0].actor);
    // Known usernames stay readable.
    expect(rows.at(-1)!.actor).toBe('jules');
  });

  it('unknown users cost an argon2 verify too (similar time to a wrong password)', async () => {
    const { b, login } = await start();
    const time = async (username: string) => {
      const t0 = performance.now();
      await b.submit(login, 'login', { username, password: 'not the password at all' });
      return performance.now() - t0;
    };
    await time('nobody'); // warm the dummy hash
    // Minimum of several runs each, and a loose bound: without the dummy verify an unknown user
    // answers ~10x faster, so 0.3 tells the two apart even on a loaded machine.
    const unknown = Math.min(...(await sequence(5, (i) => time(`nobody-${i}`))));
    const known = Math.min(...(await sequence(4, () => time('gina'))));
    expect(unknown).toBeGreaterThan(known * 0.3);
    await admins(s).unlock('gina');
  });

  it('a wrong TOTP code is refused and the admin stays on the code page', async () => {
    const { secret } = await createAdmin(s, 'hank');
    const { b, login } = await start();
    const totp = await b.submit(login, 'login', { username: 'hank', password: PASSWORD });
    const good = totpNow(s, secret!);
    const wrong = await b.submit(totp, 'totp', { code: good === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(heading(wrong.html)).toBe('Two-factor authentication');
    expect(wrong.html).toMatch(/role="alert"[^>]*>That code is not valid/);
    expect(wrong.html).toContain('aria-invalid="true"');
    const ok = await b.submit(wrong, 'totp', { code: good });
    expect(heading(ok.html)).toMatch(/^Allow /);
  });

  it('a code accepted once is refused when replayed in another sign-in (same 30 s step)', async () => {
    const { secret } = await createAdmin(s, 'ivy');
    nextStep(s);
    const code = totpNow(s, secret!);
    const one = await start();
    const ok = await one.b.submit(
      await one.b.submit(one.login, 'login', { username: 'ivy', password: PASSWORD }),
      'totp',
      { code },
    );
    expect(heading(ok.html)).toMatch(/^Allow /);
    const two = await start();
    const replay = await two.b.submit(
      await two.b.submit(two.login, 'login', { username: 'ivy', password: PASSWORD }),
      'totp',
      { code },
    );
    expect(replay.status).toBe(401);
    expect(heading(replay.html)).toBe('Two-factor authentication');
  });

  it('5 consecutive failures (passwords and codes) lock the account for 15 minutes; unlock lifts it', async () => {
    const { secret } = await createAdmin(s, 'jack');
    const { b, login } = await start();
    for (let i = 0; i < 3; i++) await b.submit(login, 'login', { username: 'jack', password: `wrong password ${i}` });
    const totp = await b.submit(login, 'login', { username: 'jack', password: PASSWORD });
    await b.submit(totp, 'totp', { code: '000001' });
    const fifth = await b.submit(totp, 'totp', { code: '000002' });
    // Locked at the code step: back to the sign-in page with the one generic message.
    expect(heading(fifth.html)).toBe('Sign in');
    expect(fifth.html).toContain(GENERIC);
    expect((await s.runtime.audit.list({ type: 'admin.locked' }))[0]).toMatchObject({ actor: 'jack' });

    const whileLocked = await b.submit(login, 'login', { username: 'jack', password: PASSWORD });
    expect(whileLocked.status).toBe(401);
    expect(whileLocked.html).toContain(GENERIC);

    s.clock.advance(15 * 60_000 + 1000);
    nextStep(s);
    const after = await start();
    const page = await after.b.submit(after.login, 'login', { username: 'jack', password: PASSWORD });
    expect(heading(page.html)).toBe('Two-factor authentication');

    // Lock again, then the CLI's unlock lifts it at once.
    for (let i = 0; i < 5; i++)
      await after.b.submit(after.login, 'login', { username: 'jack', password: `wrong again ${i}` });
    expect((await after.b.submit(after.login, 'login', { username: 'jack', password: PASSWORD })).html).toContain(
      GENERIC,
    );
    await admins(s).unlock('jack');
    const unlocked = await after.b.submit(after.login, 'login', { username: 'jack', password: PASSWORD });
    expect(heading(unlocked.html)).toBe('Two-factor authentication');
    expect(heading((await after.b.submit(unlocked, 'totp', { code: totpNow(s, secret!) })).html)).toMatch(/^Allow /);
  });

  it('a disabled admin cannot sign in', async () => {
    await createAdmin(s, 'kate');
    await admins(s).setDisabled('kate', true);
    const { b, login } = await start();
    const p = await b.submit(login, 'login', { username: 'kate', password: PASSWORD });
    expect(p.status).toBe(401);
    expect(p.html).toContain(GENERIC);
  });

  it('a POST without (or with a wrong) CSRF token changes nothing: 403', async () => {
    const { b, login } = await start();
    const { action } = findForm(login.html, 'login');
    const missing = await b.go('POST', action, { username: 'gina', password: PASSWORD });
    expect(missing.status).toBe(403);
    expect(heading(missing.html)).toBe('The form could not be verified');
    const forged = await b.go('POST', action, { _csrf: 'x'.repeat(43), username: 'gina', password: PASSWORD });
    expect(forged.status).toBe(403);
    // Still at the password step: the login page again, not the code page.
    expect(heading((await b.go('GET', action.replace(/\/login$/, ''))).html)).toBe('Sign in');
    expect((await s.runtime.audit.list({ type: 'security.csrf_failed' })).length).toBeGreaterThanOrEqual(2);
  });

  it('an expired or unknown interaction shows a clear page (410), never a stack trace', async () => {
    const { b, login } = await start();
    const { action } = findForm(login.html, 'login');
    s.clock.advance(16 * 60_000); // past the Interaction TTL (15 min)
    const expired = await b.go('GET', action.replace(/\/login$/, ''));
    expect(expired.status).toBe(410);
    expect(heading(expired.html)).toBe('This sign-in request has expired');
    const unknown = await new Browser(s.baseUrl).go('GET', '/interaction/does-not-exist');
    expect(unknown.status).toBe(410);
    expect(unknown.html).not.toMatch(/at .*\.js:\d+/);
  });

  it('cancel at sign-in returns access_denied to the app', async () => {
    const { b, login } = await start();
    const back = await b.submit(login, 'abort', {});
    expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
  });

  it('an unregistered redirect_uri gets an error page, never a redirect (no open redirect)', async () => {
    const url = new URL(authorizationUrl(s, clientId).url);
    url.searchParams.set('redirect_uri', 'https://evil.example/steal');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
