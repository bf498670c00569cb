import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { commandTable } from '../../src/cli/command-table.js';
import type { CliBase, CliIo } from '../../src/cli/cli-context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createServices } from '../../src/runtime/services.js';
import { createLogger } from '../../src/logging/logger.js';
import { createPasswordHasher } from '../../src/admins/password-hasher.js';
import { checkPasswordPolicy } from '../../src/admins/password-policy.js';
import { seed } from '../../seeds/01-demo-admin.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';

describe(`admins CLI (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  let t: TestDb;
  let ctx: CliBase;
  const out: string[] = [];
  const err: string[] = [];
  let stdin = '';

  beforeAll(async () => {
    t = await createTestDb();
    const config = loadConfig(testEnv());
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => stdin, env: {} };
    ctx = { config, db: t.db, box: createSecretBox(config.encryptionKeys), clock: createFakeClock(), io };
  });
  afterAll(() => t.destroy());

  async function cli(args: string[], input = ''): Promise<{ code: number; out: string; err: string }> {
    out.length = 0;
    err.length = 0;
    stdin = input;
    const code = await runCli(args, commandTable, ctx.io, async () => ({ ctx, close: async () => {} }));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it(
    'admins:create prints the otpauth URI, a terminal QR code and 10 recovery codes once; stores only ' +
      'sealed and hashed secrets',
    async () => {
      const r = await cli(
        ['admins:create', '--username', 'Carol', '--password-stdin'],
        'a-Long-and-unusual-passphrase\n',
      );
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/otpauth:\/\/totp\/[^?]+:Carol\?secret=[A-Z2-7]+/);
      expect(r.out).toMatch(/[▀▄█]/); // the terminal QR code
      const codes = r.out.match(/^ {2}[A-Z2-9]{5}-[A-Z2-9]{5}$/gm) ?? [];
      expect(codes).toHaveLength(10);

      const row = await t.db('admins').whereRaw('lower(username) = ?', ['carol']).first();
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(row.totp_secret).toMatch(/^v1\./);
      expect(r.out).not.toContain(row.totp_secret);
      const stored = await t.db('admin_recovery_codes').where({ admin_id: row.id });
      expect(stored).toHaveLength(10);
      const hashes = stored.map((s: { code_hash: string }) => s.code_hash);
      for (const c of codes) {
        expect(hashes).not.toContain(c.trim());
        // Keyed: an unkeyed SHA-256 of the code (offline-searchable) is not what is stored.
        const plain = createHash('sha256').update(c.trim()).digest('base64url');
        const prefixed = createHash('sha256').update('admin-recovery-code:').update(c.trim()).digest('base64url');
        expect(hashes).not.toContain(plain);
        expect(hashes).not.toContain(prefixed);
      }
      // …and each code still works exactly once.
      const auth = createServices({ ...ctx, logger: createLogger({ level: 'error' }) }).admins.auth;
      expect(await auth.verifyCode(row.id, codes[0]!.trim(), null)).toEqual({ ok: true, method: 'recovery' });
      expect((await auth.verifyCode(row.id, codes[0]!.trim(), null)).ok).toBe(false);
    },
  );

  it('--json gives the same data machine-readably; usernames are unique case-insensitively', async () => {
    const r = await cli(
      ['admins:create', '--username', 'dave', '--password-stdin', '--json'],
      'another-Fine-passphrase-9',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ username: 'dave', totp_enrolled: true, disabled: false });
    expect(j.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(j.recovery_codes).toHaveLength(10);
    const dup = await cli(['admins:create', '--username', 'DAVE', '--password-stdin'], 'another-Fine-passphrase-9');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already exists');
  });

  it('passwords never come from argv, and the policy refuses the obvious', async () => {
    expect(
      (await cli(['admins:create', '--username', 'eve', '--password', 'a-Long-and-unusual-passphrase'])).code,
    ).toBe(2);
    expect((await cli(['admins:create', '--username', 'eve'])).err).toContain('--password-stdin');
    for (const weak of [
      'short-Pw1',
      'my-name-is-eve-2024',
      'aaaaaaaaaaaaaaaa',
      'password1234',
      'Password2024!',
      '123456789012',
      'qwertyuiopasdf',
    ]) {
      const r = await cli(['admins:create', '--username', 'eve', '--password-stdin'], weak);
      expect(r.code, weak).toBe(1);
    }
    expect(checkPasswordPolicy('correct horse battery staple', 'eve')).toBeNull();
    expect(await t.db('admins').where({ username: 'eve' }).first()).toBeUndefined();
  });

  it('list, disable/enable, unlock, reset-totp and set-password', async () => {
    expect(
      (await cli(['admins:create', '--username', 'frank', '--password-stdin', '--no-totp'], 'Starts-without-a-code-7'))
        .out,
    ).toContain('first sign-in');
    let list = JSON.parse((await cli(['admins:list', '--json'])).out) as Array<Record<string, unknown>>;
    expect(list.find((a) => a.username === 'frank')).toMatchObject({ totp_enrolled: false, disabled: false });

    expect((await cli(['admins:disable', '--username', 'frank'])).code).toBe(0);
    list = JSON.parse((await cli(['admins:list', '--json'])).out);
    expect(list.find((a) => a.username === 'frank')).toMatchObject({ disabled: true });
    await cli(['admins:disable', '--username', 'frank', '--enable']);

    await t
      .db('admins')
      .where({ username: 'frank' })
      .update({ locked_until: new Date(ctx.clock.now() + 60_000), failed_attempts: 3 });
    expect((await cli(['admins:list'])).out).toMatch(/frank .*locked until/);
    expect((await cli(['admins:unlock', '--username', 'frank'])).code).toBe(0);
    expect(await t.db('admins').where({ username: 'frank' }).first()).toMatchObject({
      locked_until: null,
      failed_attempts: 0,
    });

    expect((await cli(['admins:reset-totp', '--username', 'carol'])).code).toBe(0);
    expect(await t.db('admins').whereRaw('lower(username) = ?', ['carol']).first()).toMatchObject({
      totp_secret: null,
    });

    const before = (await t.db('admins').where({ username: 'frank' }).first()).password_hash;
    expect((await cli(['admins:set-password', '--username', 'frank', '--password-stdin'], 'short')).code).toBe(1);
    expect(
      (await cli(['admins:set-password', '--username', 'frank', '--password-stdin'], 'a-New-and-better-passphrase'))
        .code,
    ).toBe(0);
    expect((await t.db('admins').where({ username: 'frank' }).first()).password_hash).not.toBe(before);
    expect(await cli(['admins:unlock', '--username', 'nobody'])).toMatchObject({
      code: 3,
      err: 'admins:unlock: no admin named "nobody"',
    });
  });

  it('roles: --role auditor, admins:set-role, and the last enabled owner is kept', async () => {
    const created = await cli(
      ['admins:create', '--username', 'ida', '--password-stdin', '--no-totp', '--role', 'auditor', '--json'],
      'Reads-but-never-writes-9',
    );
    expect(JSON.parse(created.out)).toMatchObject({ username: 'ida', role: 'auditor' });
    expect(
      await cli(['admins:create', '--username', 'jo', '--password-stdin', '--role', 'root'], 'Some-long-pass-92'),
    ).toMatchObject({
      code: 1,
      err: 'admins:create: the role must be one of owner, auditor',
    });
    expect((await cli(['admins:list'])).out).toMatch(/^ida +auditor /m);
    expect((await cli(['admins:show', '--username', 'ida'])).out).toContain('role:        auditor');

    // Make every other admin an auditor or disabled, until one owner is left: that one stays.
    const owners = (
      JSON.parse((await cli(['admins:list', '--json'])).out) as Array<{
        username: string;
        role: string;
        disabled: boolean;
      }>
    )
      .filter((a) => a.role === 'owner' && !a.disabled)
      .map((a) => a.username);
    expect(owners.length).toBeGreaterThan(1);
    for (const u of owners.slice(1))
      expect((await cli(['admins:set-role', '--username', u, '--role', 'auditor'])).code).toBe(0);
    const last = owners[0]!;
    const lastOwner = `"${last}" is the last enabled owner`;
    expect((await cli(['admins:set-role', '--username', last, '--role', 'auditor'])).err).toContain(lastOwner);
    expect((await cli(['admins:disable', '--username', last])).err).toContain(lastOwner);
    expect((await cli(['admins:delete', '--username', last, '--yes'])).err).toContain(lastOwner);
    // Another owner again: now the first may step down.
    expect((await cli(['admins:set-role', '--username', 'ida', '--role', 'owner'])).out).toBe('ida is now an owner');
    expect((await cli(['admins:set-role', '--username', last, '--role', 'auditor'])).code).toBe(0);
    for (const u of [last, ...owners.slice(1)]) await cli(['admins:set-role', '--username', u, '--role', 'owner']);
    const audited = await t.db('audit_events').where({ type: 'admin.updated' }).orderBy('at', 'desc').first();
    expect(audited).toMatchObject({ actor: 'cli' });
  });

  it('re-hashes a password on login when the argon2 parameters changed', async () => {
    const old = await createPasswordHasher({ memoryKib: 19456, timeCost: 3, parallelism: 1 }).hash(
      'a-New-and-better-passphrase',
    );
    await t.db('admins').where({ username: 'frank' }).update({ password_hash: old });
    const auth = createServices({ ...ctx, logger: createLogger({ level: 'error' }) }).admins.auth;
    expect((await auth.verifyPassword('frank', 'a-New-and-better-passphrase', null)).ok).toBe(true);
    expect((await t.db('admins').where({ username: 'frank' }).first()).password_hash).toMatch(
      /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/,
    );
  });

  it('the demo seed creates an admin and prints its TOTP URI', async () => {
    const seedCtx = { ...ctx, services: createServices({ ...ctx, logger: createLogger({ level: 'error' }) }) };
    await seed(seedCtx);
    expect(out.join('\n')).toMatch(/otpauth:\/\/totp\/.*demo/);
    await seed(seedCtx); // idempotent
    expect(out.join('\n')).toContain('already exists');
  });
});
