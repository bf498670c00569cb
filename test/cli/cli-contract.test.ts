// The CLI's uniform contract: exit codes, command-prefixed messages, help layout, --version,
// snake_case JSON, audit:list time/actor filters. Real commands in-process on a real database.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTable } from '../../src/cli/command-table.js';
import { usageOf } from '../../src/cli/cli-help.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';
import { runCliInProcess } from '../support/in-process-cli.js';

let t: TestDb;
const clock = createFakeClock(Date.parse('2026-12-01T12:00:00Z'));
const config = loadConfig(testEnv());
let opened = 0;

const cli = (argv: string[], stdin = '') =>
  runCliInProcess(
    argv,
    () => {
      opened++;
      return { config, db: t.db, box: createSecretBox(config.encryptionKeys), clock };
    },
    { stdin },
  );
const json = async (argv: string[], stdin = '') => {
  const r = await cli([...argv, '--json'], stdin);
  expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
  return JSON.parse(r.out) as unknown;
};

let clientId: string;
let publicClientId: string;

beforeAll(async () => {
  t = await createTestDb();
  expect(
    (await cli(['admins:create', '--username', 'alice', '--password-stdin'], 'a-Long-and-unusual-passphrase')).code,
  ).toBe(0);
  clock.advance(2 * 3600_000); // what follows is 2 h later (audit:list --since/--until)
  clientId = (
    (await json([
      'clients:create',
      '--name',
      'Tool',
      '--type',
      'confidential',
      '--scope',
      'stores:read',
      '--grant-type',
      'client_credentials',
    ])) as { client_id: string }
  ).client_id;
  publicClientId = (
    (await json([
      'clients:create',
      '--name',
      'App',
      '--type',
      'public',
      '--redirect-uri',
      'https://app.example/cb',
      '--scope',
      'catalog:read',
      '--grant-type',
      'authorization_code',
    ])) as { client_id: string }
  ).client_id;
});
afterAll(async () => t?.destroy());

describe(`CLI contract (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('exit codes: 0 ok, 1 failed, 2 usage, 3 not found; every message names its command', async () => {
    const cases: [string[], number, string | RegExp][] = [
      [['clients:show', '--client', 'CID'], 0, ''],
      [['clients:show', '--client-id', 'CID'], 0, ''],
      // Warnings a command writes name it too.
      [
        ['magento:link-urls', '--client', 'CID'],
        0,
        "magento:link-urls: warning: MAGENTO_BASE_URL is not set; Magento's activation will be refused until it is",
      ],
      [['admins:create', '--username', 'bob', '--password-stdin'], 1, /^admins:create: .*(short|characters)/],
      [
        ['clients:rotate-secret', '--client', 'PUBLIC'],
        1,
        /^clients:rotate-secret: client .* authenticates with none, not a secret$/,
      ],
      [
        ['admins:show'],
        2,
        /^admins:show: --username is required\n\nUsage: npm run cli -- admins:show --username <value>/,
      ],
      [['admins:show', '--username', 'alice', '--bogus'], 2, /^admins:show: Unknown option '--bogus'/],
      [['clients:show'], 2, 'clients:show: --client <id> is required'],
      [
        ['clients:show', '--client', 'a', '--client-id', 'b'],
        2,
        'clients:show: --client and --client-id name different clients; give one',
      ],
      [
        ['clients:delete', '--client', 'CID'],
        2,
        /^clients:delete: deleting a client revokes all its grants; add --yes/,
      ],
      [
        ['audit:list', '--type', 'consent.maybe'],
        2,
        /^audit:list: unknown --type "consent.maybe" \(valid: admin\.login, .*consent\.approved, .*\)$/,
      ],
      [['audit:list', '--since', 'yesterday'], 2, /^audit:list: --since must be an ISO date/],
      [['sessions:revoke'], 2, 'sessions:revoke: give either --session <id> or --admin <username>'],
      [['admins:show', '--username', 'ghost'], 3, 'admins:show: no admin named "ghost"'],
      [['admins:delete', '--username', 'ghost', '--yes'], 3, 'admins:delete: no admin named "ghost"'],
      [['clients:show', '--client', 'c_nope'], 3, 'clients:show: no client with id c_nope (see clients:list)'],
      // A value may begin with "-" (base64url ids do): it is the value, not an unknown option.
      [['clients:show', '--client', '-Xy_1'], 3, 'clients:show: no client with id -Xy_1 (see clients:list)'],
      [['sessions:revoke', '--session', '--admin'], 2, /^sessions:revoke: Option '--session' argument is ambiguous/],
      [['clients:disable', '--client', 'c_nope'], 3, 'clients:disable: no client with id c_nope'],
      [['grants:revoke', '--grant', 'nope'], 3, 'grants:revoke: no grant nope (see grants:list)'],
      [['grants:list', '--admin', 'ghost'], 3, 'grants:list: no admin named "ghost"'],
      [['sessions:revoke', '--session', 'nope'], 3, 'sessions:revoke: no sign-in session nope (see sessions:list)'],
      [['magento:status', '--client', 'c_nope'], 3, 'magento:status: no client with id c_nope (see clients:list)'],
      [['magento:revoke', '--client', 'PUBLIC'], 3, /^magento:revoke: client c_\S+ has no Magento link$/],
    ];
    for (const [argv, code, message] of cases) {
      const args = argv.map((a) => (a === 'CID' ? clientId : a === 'PUBLIC' ? publicClientId : a));
      const r = await cli(args, 'short');
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(code);
      if (typeof message === 'string') expect(r.err, args.join(' ')).toBe(message);
      else expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('help: aligned columns, usage lines show required options; no database opened', async () => {
    const before = opened;
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    const rows = top.out.split('\n').filter((l) => /^ {2}[a-z]+(:[a-z-]+)? /.test(l));
    expect(rows.length).toBe(Object.keys(commandTable).length);
    // The second column starts after the first run of 2+ spaces (labels have single spaces only).
    const column = (l: string) => 2 + l.slice(2).search(/ {2,}\S/) + (/ {2,}/.exec(l.slice(2))?.[0].length ?? 0);
    const starts = new Set(rows.map(column));
    expect(starts.size).toBe(1); // every summary starts in the same column

    for (const [name, spec] of Object.entries(commandTable)) {
      const h = await cli([name, '--help']);
      expect(h.code, name).toBe(0);
      const usage = h.out.split('\n')[0]!;
      expect(usage.startsWith(`Usage: npm run cli -- ${name}`)).toBe(true);
      for (const [opt, o] of Object.entries(spec.options ?? {})) {
        // A required option is shown bare: not inside [...]
        if (o.required) expect(usage.replace(/\[[^\]]*\]/g, ''), `${name} --${opt}`).toContain(`--${opt}`);
      }
      const optionRows = h.out.split('\n').filter((l) => /^ {2}--/.test(l));
      expect(new Set(optionRows.map(column)).size, name).toBeLessThanOrEqual(1);
    }
    // The commands that need an id say so in their usage line.
    for (const name of [
      'clients:show',
      'clients:update',
      'clients:rotate-secret',
      'magento:status',
      'magento:link-urls',
    ]) {
      expect(usageOf(commandTable[name]!), name).toMatch(/^--client <id>/);
    }
    expect(usageOf(commandTable['admins:show']!)).toMatch(/^--username <value>/);
    expect(opened).toBe(before);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, out: pkg.version, err: '' });
  });

  it('--json is snake_case in every command and nested object; dates are ISO strings', async () => {
    expect((await cli(['keys:rotate'])).code).toBe(0);
    const outputs: Record<string, unknown> = {
      'admins:create': await json(
        ['admins:create', '--username', 'carol', '--password-stdin'],
        'another-Fine-passphrase-9',
      ),
      'admins:list': await json(['admins:list']),
      'admins:show': await json(['admins:show', '--username', 'alice']),
      'clients:list': await json(['clients:list']),
      'clients:show': await json(['clients:show', '--client', clientId]),
      'clients:update': await json(['clients:update', '--client', clientId, '--access-token-ttl', '600']),
      'keys:list': await json(['keys:list']),
      'audit:list': await json(['audit:list']),
      'audit:verify': await json(['audit:verify']),
      'audit:prune': await json(['audit:prune', '--days', '30']),
      'grants:list': await json(['grants:list']),
      'sessions:list': await json(['sessions:list']),
      'magento:list': await json(['magento:list']),
    };
    const camel: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (!/^[a-z0-9_]+$/.test(k)) camel.push(`${path}.${k}`);
          if (k !== 'jwks') walk(x, `${path}.${k}`);
        }
    };
    for (const [cmd, v] of Object.entries(outputs)) walk(v, cmd);
    expect(camel).toEqual([]);
    expect(outputs['admins:show']).toMatchObject({
      username: 'alice',
      totp_enrolled: true,
      last_login_at: null,
      created_at: '2026-12-01T12:00:00.000Z',
    });
    expect(outputs['clients:update']).toMatchObject({
      client_id: clientId,
      lifetimes: { access_token: 600 },
      grant_types: ['client_credentials'],
      token_format: 'opaque',
    });
    expect((outputs['keys:list'] as { created_at: string }[])[0]!.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const created = (
      outputs['audit:list'] as { type: string; client_id: string | null; details: Record<string, unknown> }[]
    ).find((e) => e.type === 'client.created' && e.client_id === clientId);
    expect(created?.details).toMatchObject({ grant_types: ['client_credentials'] });
  });

  it('audit:list --since / --until (ISO or relative) and --actor', async () => {
    const audit = createAuditLog({ db: t.db, clock, logger: createLogger({ level: 'error', write: () => undefined }) });
    await audit.record({ type: 'consent.approved', outcome: 'success', actor: 'alice', clientId });
    await audit.flush();
    const types = async (...argv: string[]) =>
      (await json(['audit:list', '--limit', '1000', ...argv])) as {
        type: string;
        actor: string;
        details: { admin?: string };
      }[];

    // alice was created at 12:00, everything else 2 h later.
    const recent = await types('--since', '1h');
    expect(recent.map((e) => e.type)).toContain('client.created');
    expect(recent.some((e) => e.details.admin === 'alice')).toBe(false);
    const old = await types('--until', '1h');
    expect(old.map((e) => [e.type, e.details.admin])).toEqual([['admin.created', 'alice']]);
    expect(
      (await types('--since', '2026-12-01', '--until', '2026-12-01T13:00:00Z')).map((e) => [e.type, e.details.admin]),
    ).toEqual([['admin.created', 'alice']]);
    expect((await types('--since', '3d')).length).toBe(recent.length + 1);

    const byAlice = await types('--actor', 'alice');
    expect(byAlice.map((e) => [e.type, e.actor])).toEqual([['consent.approved', 'alice']]);
    expect((await cli(['audit:list', '--since', '1h', '--until', '2h'])).err).toBe(
      'audit:list: --since must be before --until',
    );
  });
});
