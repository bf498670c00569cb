// The store's reachability and Magento's own endpoints, each fault from its emulator knob:
// the subpath whose rewrite loses /oauth/token/request, a skewed Date, an old or hidden version,
// a redirect loop, a dead port, a name that does not resolve, no MAGENTO_BASE_URL at all.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';

describe('doctor: reaching the store', () => {
  let f: DoctorFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('a store under a subpath passes when its rewrites are right', async () => {
    f = await startDoctorFixture({ faults: { basePath: '/shop/' } });
    const r = await f.doctor();
    expect(f.emu.storeBaseUrl).toMatch(/\/shop\/$/);
    for (const id of ['store.redirects', 'store.version', 'store.token_endpoint', 'store.rest'])
      expect(f.check(r.checks, id).status, id).toBe('pass');
    expect(r.code).toBe(0);
  });

  it('names the subpath rewrite that loses /oauth/token/request, with the RewriteBase fix', async () => {
    f = await startDoctorFixture({ faults: { basePath: '/shop/', rewriteLosesOauth: true } });
    const r = await f.doctor();
    const token = f.check(r.checks, 'store.token_endpoint');
    expect(token.status).toBe('fail');
    expect(token.message).toContain('HTTP 404 from the web server, not Magento');
    expect(token.message).toContain("under the store's subpath /shop/");
    expect(token.fix).toContain('RewriteBase /shop/');
    expect(f.check(r.checks, 'store.rest').status).toBe('pass'); // only the OAuth route is lost
    expect(r.code).toBe(1);
  });

  it('MAGENTO_BASE_URL without the subpath: neither the token endpoint nor REST answer like Magento', async () => {
    f = await startDoctorFixture({ faults: { basePath: '/shop/' }, magentoBaseUrl: (emu) => `${emu.baseUrl}/` });
    const r = await f.doctor();
    expect(f.check(r.checks, 'store.version')).toMatchObject({ status: 'warn' });
    expect(f.check(r.checks, 'store.token_endpoint').fix).toContain('index.php');
    const rest = f.check(r.checks, 'store.rest');
    expect(rest.status).toBe('fail');
    expect(rest.message).toContain("without Magento's JSON");
    expect(rest.fix).toContain('send /rest/ to index.php');
  });

  it("fails when the store's clock is more than 60 s off (its Date header)", async () => {
    f = await startDoctorFixture({ faults: { dateSkewMs: -5 * 60_000 } });
    const r = await f.doctor();
    const clock = f.check(r.checks, 'config.clock_magento');
    expect(clock.status).toBe('fail');
    expect(clock.message).toMatch(/is 30[01] s behind this server/);
    expect(clock.message).toContain('OAuth 1.0a timestamps will be refused');
    expect(clock.fix).toContain('NTP');
    expect(f.check(r.checks, 'config.clock_db').status).toBe('pass');
  });

  it('warns below Magento 2.4.4', async () => {
    f = await startDoctorFixture({ faults: { magentoVersion: '2.3', edition: 'Commerce' } });
    const old = f.check((await f.doctor()).checks, 'store.version');
    expect(old).toMatchObject({ status: 'warn', details: { version: '2.3', edition: 'Commerce' } });
    expect(old.message).toBe('Magento 2.3 (Commerce): older than 2.4.4');
    expect(old.fix).toContain('Upgrade Magento to 2.4.4 or later');
  });

  it('warns for 2.4.3 (a patch level shown), and when the version page is hidden', async () => {
    f = await startDoctorFixture({ faults: { magentoVersion: '2.4.3' } });
    expect(f.check((await f.doctor()).checks, 'store.version').status).toBe('warn');
    await f.close();
    f = await startDoctorFixture({ faults: { magentoVersion: '' } });
    const hidden = f.check((await f.doctor()).checks, 'store.version');
    expect(hidden.status).toBe('warn');
    expect(hidden.message).toContain('the version is hidden');
  });

  it('names a redirect loop as such, and skips what cannot be reached through it', async () => {
    f = await startDoctorFixture({ faults: { redirect: 'loop' } });
    const r = await f.doctor();
    const redirects = f.check(r.checks, 'store.redirects');
    expect(redirects.status).toBe('fail');
    expect(redirects.message).toMatch(
      /^redirect loop: http:\/\/127\.0\.0\.1:\d+\/x → http:\/\/127\.0\.0\.1:\d+\/x\/ → /,
    );
    expect(redirects.fix).toContain('rewrite rules');
    expect(f.check(r.checks, 'store.token_endpoint').status).toBe('skip');
  });

  it('a dead store fails at TCP within seconds; what needs the store is skipped with why', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    f = await startDoctorFixture({ magentoBaseUrl: () => `http://127.0.0.1:${port}/` });
    const clientId = await f.linkedClient();
    const started = Date.now();
    const r = await f.doctor('--client', clientId);
    expect(Date.now() - started).toBeLessThan(10_000); // seconds, not the 30 s of a hung connect
    const tcp = f.check(r.checks, 'store.tcp');
    expect(tcp.status).toBe('fail');
    expect(tcp.message).toContain('ECONNREFUSED');
    expect(tcp.fix).toContain(`Open port ${port}`);
    expect(f.check(r.checks, 'store.rest').message).toBe('skipped: the store does not accept connections (store.tcp)');
    expect(f.check(r.checks, 'link.token').status).toBe('skip');
    expect(f.check(r.checks, 'link.acl_missing').status).toBe('skip');
    expect(r.code).toBe(1);
  });

  it('a host name that does not resolve fails at DNS', async () => {
    f = await startDoctorFixture({ magentoBaseUrl: () => 'http://store.doctor-test.invalid/' });
    const r = await f.doctor();
    const dns = f.check(r.checks, 'store.dns');
    expect(dns.status).toBe('fail');
    expect(dns.message).toContain('store.doctor-test.invalid does not resolve');
    expect(dns.fix).toContain('/etc/hosts');
    expect(f.check(r.checks, 'store.tcp').message).toBe('skipped: the host name does not resolve (store.dns)');
  });

  it('without MAGENTO_BASE_URL, says so and skips the store', async () => {
    f = await startDoctorFixture({ magentoBaseUrl: () => '' });
    const r = await f.doctor();
    const base = f.check(r.checks, 'store.base_url');
    expect(base.status).toBe('fail');
    expect(base.fix).toContain('Set MAGENTO_BASE_URL');
    expect(f.check(r.checks, 'store.dns').message).toBe('skipped: MAGENTO_BASE_URL is not set');
  });
});
