import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { createFakeClock } from '../support/fake-clock.js';
import { checkRedirectUri } from '../../src/clients/redirect-uri-rules.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { testEnv } from '../support/test-env.js';
import { runCliInProcess } from '../support/in-process-cli.js';

let t: TestDb;
const clock = createFakeClock();
const config = loadConfig(testEnv());

const cli = (...argv: string[]) =>
  runCliInProcess(argv, () => ({ config, db: t.db, box: createSecretBox(config.encryptionKeys), clock }));

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t?.destroy());

describe(`clients CLI (${process.env.DATABASE_URL ? 'postgresql' : 'pglite'})`, () => {
  it('create → prints client_id and the secret once (--json); the table holds only a hash', async () => {
    const r = await cli(
      'clients:create',
      '--name',
      'Shop tool',
      '--type',
      'confidential',
      '--redirect-uri',
      'https://tool.example/cb',
      '--redirect-uri',
      'https://tool.example/cb2',
      '--scope',
      'catalog:read orders:read offline_access',
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'refresh_token',
      '--contact',
      'ops@tool.example',
      '--homepage',
      'https://tool.example',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.client_id).toMatch(/^c_/);
    expect(j.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await t.db('oauth_clients').where({ client_id: j.client_id }).first();
    expect(JSON.stringify(row)).not.toContain(j.client_secret);
    expect(row.secret_hash).toMatch(/^h1\./);
    const show = await cli('clients:show', '--client-id', j.client_id);
    expect(show.out).toContain('Shop tool');
    expect(show.out).not.toContain(j.client_secret);
    // --client is the name everywhere; --client-id stays as its alias.
    expect((await cli('clients:show', '--client', j.client_id)).out).toContain('Shop tool');
    const list = await cli('clients:list', '--json');
    expect(JSON.parse(list.out).map((c: { client_id: string }) => c.client_id)).toContain(j.client_id);
    const audit = await t.db('audit_events').where({ type: 'client.created', client_id: j.client_id });
    expect(audit).toHaveLength(1);
  });

  it('public client: no secret printed', async () => {
    const r = await cli(
      'clients:create',
      '--name',
      'Mobile',
      '--type',
      'public',
      '--redirect-uri',
      'com.example.app:/oauth',
      '--scope',
      'catalog:read',
      '--grant-type',
      'authorization_code',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/client_id: +c_/);
    expect(r.out).not.toContain('client_secret');
  });

  it('update, disable, enable, rotate-secret, delete', async () => {
    const created = JSON.parse(
      (
        await cli(
          'clients:create',
          '--name',
          'Job',
          '--type',
          'confidential',
          '--scope',
          'stores:read',
          '--grant-type',
          'client_credentials',
          '--json',
        )
      ).out,
    );
    const id = created.client_id;
    const up = await cli(
      'clients:update',
      '--client-id',
      id,
      '--scope',
      'stores:read catalog:read',
      '--token-format',
      'jwt',
      '--access-token-ttl',
      '600',
      '--json',
    );
    expect(up.code, up.err).toBe(0);
    expect(JSON.parse(up.out)).toMatchObject({
      scopes: ['stores:read', 'catalog:read'],
      token_format: 'jwt',
      lifetimes: { access_token: 600 },
    });
    expect((await cli('clients:disable', '--client-id', id)).out).toContain('disabled');
    expect((await t.db('oauth_clients').where({ client_id: id }).first()).enabled).toBe(false);
    expect((await cli('clients:enable', '--client-id', id)).code).toBe(0);
    const rot = JSON.parse((await cli('clients:rotate-secret', '--client-id', id, '--json')).out);
    expect(rot.client_secret).not.toBe(created.client_secret);
    expect(new Date(rot.previous_secret_expires_at).getTime() - clock.now()).toBe(24 * 3600 * 1000);
    expect((await cli('clients:delete', '--client-id', id)).code).toBe(2);
    expect((await cli('clients:delete', '--client-id', id, '--yes')).code).toBe(0);
    expect(await cli('clients:show', '--client-id', id)).toMatchObject({
      code: 3,
      err: `clients:show: no client with id ${id} (see clients:list)`,
    });
  });

  it('--require-dpop / --require-par: stored, shown, turned off with --no-…', async () => {
    const r = await cli(
      'clients:create',
      '--name',
      'Mobile DPoP',
      '--type',
      'public',
      '--redirect-uri',
      'com.example.app:/oauth',
      '--scope',
      'catalog:read',
      '--grant-type',
      'authorization_code',
      '--require-dpop',
      '--require-par',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const id = JSON.parse(r.out).client_id;
    expect(await t.db('oauth_clients').where({ client_id: id }).first()).toMatchObject({
      require_dpop: true,
      require_par: true,
    });
    const show = await cli('clients:show', '--client-id', id);
    expect(show.out).toMatch(/require DPoP: +yes/);
    expect(show.out).toMatch(/require PAR: +yes/);
    // An update without the flags keeps them; --no-… turns one off.
    expect(
      JSON.parse((await cli('clients:update', '--client-id', id, '--name', 'Renamed', '--json')).out),
    ).toMatchObject({ require_dpop: true, require_par: true });
    const off = await cli('clients:update', '--client-id', id, '--no-require-dpop', '--json');
    expect(off.code, off.err).toBe(0);
    expect(JSON.parse(off.out)).toMatchObject({ require_dpop: false, require_par: true });
    expect((await cli('clients:show', '--client-id', id)).out).toMatch(/require DPoP: +no/);
    expect(await t.db('oauth_clients').where({ client_id: id }).first()).toMatchObject({
      require_dpop: false,
      require_par: true,
    });
    // Defaults: off.
    const plain = JSON.parse(
      (
        await cli(
          'clients:create',
          '--name',
          'Job',
          '--type',
          'confidential',
          '--scope',
          'stores:read',
          '--grant-type',
          'client_credentials',
          '--json',
        )
      ).out,
    );
    expect(plain.client).toMatchObject({ require_dpop: false, require_par: false });
    // Contradictions and PAR without a code flow are refused.
    const both = await cli('clients:update', '--client-id', id, '--require-dpop', '--no-require-dpop');
    expect([both.code, both.err]).toEqual([2, expect.stringMatching(/not both/)]);
    const par = await cli('clients:update', '--client-id', plain.client_id, '--require-par');
    expect(par.code).toBe(1);
    expect(par.err).toMatch(/PAR only applies to authorization_code clients/);
  });

  it('refuses bad input with a clear message (exit 1/2, no stack trace)', async () => {
    const cases: [string[], RegExp][] = [
      [['--type', 'public', '--redirect-uri', 'https://a.example/*', '--scope', 'catalog:read'], /wildcard/],
      [['--type', 'public', '--redirect-uri', 'https://a.example/cb#x', '--scope', 'catalog:read'], /fragment/],
      [['--type', 'public', '--redirect-uri', 'https://user:pw@a.example/cb', '--scope', 'catalog:read'], /userinfo/],
      [
        ['--type', 'public', '--redirect-uri', 'https://a.example/cb', '--scope', 'catalog:delete'],
        /unknown scope "catalog:delete" \(valid: catalog:read, .*orders:read.*, offline_access\)/,
      ],
      [['--type', 'private', '--scope', 'catalog:read'], /unknown type "private" \(valid: confidential, public\)/],
      [
        ['--type', 'confidential', '--scope', 'catalog:read', '--token-format', 'paseto'],
        /unknown token format "paseto" \(valid: opaque, jwt\)/,
      ],
      [['--type', 'public', '--scope', 'catalog:read', '--grant-type', 'client_credentials'], /public clients cannot/],
      [
        ['--type', 'confidential', '--scope', 'catalog:read', '--grant-type', 'implicit'],
        /unknown grant type "implicit" \(valid: authorization_code, refresh_token, client_credentials\)/,
      ],
      [['--type', 'confidential', '--scope', 'catalog:read'], /redirect URI/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli('clients:create', '--name', 'Bad', ...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err, args.join(' ')).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
  it(
    'refuses metadata oidc-provider would reject (contacts, JWKS, jwks_uri): clear error, nothing ' + 'stored',
    async () => {
      const before = await t.db('oauth_clients').count<{ n: string }[]>({ n: '*' });
      const web = ['--type', 'confidential', '--redirect-uri', 'https://a.example/cb', '--scope', 'catalog:read'];
      const cases: [string[], RegExp][] = [
        [[...web, '--contact', 'not-an-email'], /contact must be an email address/],
        [
          [...web, '--contact', 'ops@tool_x.example'],
          /clients:create: contact: contacts can only contain email addresses/,
        ],
        [
          [...web, '--contact', 'ops@tool.example.'],
          /clients:create: contact: contacts can only contain email addresses/,
        ],
        [
          [...web, '--auth-method', 'private_key_jwt', '--jwks', '{"keys":[{"kty":"RSA"}]}'],
          /clients:create: jwks: client JSON Web Key Set is invalid/,
        ],
        [
          [...web, '--auth-method', 'private_key_jwt', '--jwks-uri', 'ftp://a.example/jwks'],
          /clients:create: jwks-uri: jwks_uri must be a web uri/,
        ],
      ];
      for (const [args, msg] of cases) {
        const r = await cli('clients:create', '--name', 'Bad metadata', ...args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.err, args.join(' ')).toMatch(msg);
        expect(r.err).not.toMatch(/\n\s+at /);
      }
      expect(await t.db('oauth_clients').count<{ n: string }[]>({ n: '*' })).toEqual(before);
      expect(await t.db('oauth_clients').where({ name: 'Bad metadata' })).toEqual([]);
      // An update is held to the same rules and leaves the client as it was.
      const ok = JSON.parse(
        (await cli('clients:create', '--name', 'Good', ...web, '--contact', 'ops@tool.example', '--json')).out,
      );
      const up = await cli('clients:update', '--client-id', ok.client_id, '--contact', 'ops@tool_x.example');
      expect([up.code, up.err]).toEqual([
        1,
        expect.stringMatching(/clients:update: contact: contacts can only contain email addresses/),
      ]);
      expect((await t.db('oauth_clients').where({ client_id: ok.client_id }).first()).contact).toBe('ops@tool.example');
    },
  );
});

describe('clients CLI: CORS origins', () => {
  it('create and update take repeatable --cors-origin; show lists them; bad origins are refused', async () => {
    const r = await cli(
      'clients:create',
      '--name',
      'Browser app',
      '--type',
      'public',
      '--redirect-uri',
      'http://127.0.0.1:5173/cb',
      '--scope',
      'catalog:read',
      '--grant-type',
      'authorization_code',
      '--cors-origin',
      'https://shop.example',
      '--cors-origin',
      'http://localhost:5173',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const id = JSON.parse(r.out).client_id as string;
    const row = await t.db('oauth_clients').where({ client_id: id }).first();
    expect(typeof row.cors_origins === 'string' ? JSON.parse(row.cors_origins) : row.cors_origins).toEqual([
      'https://shop.example',
      'http://localhost:5173',
    ]);
    expect((await cli('clients:show', '--client-id', id)).out).toMatch(
      /CORS origins: +https:\/\/shop\.example http:\/\/localhost:5173/,
    );
    const up = await cli('clients:update', '--client-id', id, '--cors-origin', 'https://other.example');
    expect(up.code, up.err).toBe(0);
    expect(up.out).toMatch(/CORS origins: +https:\/\/other\.example$/m);
    const bad = await cli('clients:update', '--client-id', id, '--cors-origin', 'https://shop.example/app');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/scheme, host and port only/);
    expect((await cli('clients:show', '--client-id', id, '--json')).out).toContain(
      '"cors_origins": [\n    "https://other.example"\n  ]',
    );
  });
});

describe('redirect URI rules', () => {
  const prod = { production: true };
  it('accepts https, RFC 8252 loopback IPs on http, and private-use schemes', () => {
    expect(checkRedirectUri('https://app.example.com/cb', prod)).toBe('web');
    expect(checkRedirectUri('http://127.0.0.1:4000/cb', prod)).toBe('native');
    expect(checkRedirectUri('http://[::1]/cb', prod)).toBe('native');
    expect(checkRedirectUri('com.example.app:/callback', prod)).toBe('native');
  });
  it('refuses plain http (production), localhost, wildcards, fragments, userinfo, dangerous schemes', () => {
    for (const uri of [
      'http://app.example.com/cb',
      'http://localhost:3000/cb',
      'https://*.example.com/cb',
      'https://a.example/cb#f',
      'https://u@a.example/cb',
      'javascript:alert(1)',
      'data:text/html,x',
      'myapp:/cb',
      'not a uri',
      'https://127.0.0.1/cb',
    ]) {
      expect(() => checkRedirectUri(uri, prod), uri).toThrow();
    }
    expect(checkRedirectUri('http://localhost:3000/cb', { production: false })).toBe('web-dev');
  });
});
