// store.tls against the emulator served over https: trusted through DOCTOR_CA_FILE, then each
// certificate fault (self-signed, expired, expiring, another host) and the http downgrade.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { StoreFaults } from '../../tools/magento-emulator/store-faults.js';
import { testEnv } from '../support/test-env.js';
import { startDoctorFixture, type DoctorFixture } from './doctor-fixture.js';
import { createTestPki } from './test-certs.js';

describe('doctor: the store certificate', () => {
  const pki = createTestPki();
  let f: DoctorFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });
  const withCert = async (tls: StoreFaults['tls'], faults: StoreFaults = {}) => {
    f = await startDoctorFixture({ faults: { tls, ...faults }, env: { DOCTOR_CA_FILE: pki.caFile } });
    const r = await f.doctor();
    return { r, tls: f.check(r.checks, 'store.tls') };
  };

  it('passes for a certificate of a trusted CA, with the days left; Magento is reached over https', async () => {
    const { r, tls } = await withCert(pki.leaf('valid'));
    expect(tls.status).toBe('pass');
    expect(tls.details.days_left).toBeGreaterThan(190);
    expect(tls.message).toMatch(/trusted, covers the host, \d+ days left/);
    expect(f!.check(r.checks, 'store.token_endpoint').status).toBe('pass');
    expect(f!.check(r.checks, 'store.rest').status).toBe('pass');
    expect(r.code).toBe(0);
  });

  it('fails for a self-signed certificate, naming DOCTOR_CA_FILE for a private CA', async () => {
    const { r, tls } = await withCert(pki.leaf('self-signed'));
    expect(tls.status).toBe('fail');
    expect(tls.message).toContain('self-signed');
    expect(tls.fix).toContain('DOCTOR_CA_FILE');
    // Nothing is sent over a connection that cannot be trusted.
    expect(f!.check(r.checks, 'store.token_endpoint')).toMatchObject({ status: 'skip' });
    expect(r.code).toBe(1);
  });

  it('fails for an expired certificate, with how to renew it', async () => {
    const { tls } = await withCert(pki.leaf('expired'));
    expect(tls).toMatchObject({ status: 'fail', details: { verify_error: 'CERT_HAS_EXPIRED' } });
    expect(tls.message).toContain('the certificate has expired');
    expect(tls.fix).toContain('Renew or replace the store');
  });

  it('warns under 14 days to expiry', async () => {
    const { tls } = await withCert(pki.leaf('expiring'));
    expect(tls.status).toBe('warn');
    expect(tls.message).toMatch(/expires in [67] day\(s\)/);
    expect(tls.fix).toContain('certbot renew');
  });

  it('fails for a certificate of another host name', async () => {
    const { tls } = await withCert(pki.leaf('wrong-host'));
    expect(tls.status).toBe('fail');
    expect(tls.message).toContain('is for another name (DNS:other.example)');
    expect(tls.fix).toContain('Install a certificate that covers 127.0.0.1');
  });

  it('fails for a chain without its intermediate certificate, and passes with the full chain', async () => {
    const { tls } = await withCert(pki.leaf('no-intermediate'));
    expect(tls).toMatchObject({ status: 'fail', details: { verify_error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } });
    expect(tls.message).toContain('the chain is incomplete: the intermediate certificate is not sent');
    expect(tls.fix).toContain('full chain');
    await f!.close();
    const full = await withCert(pki.leaf('full-chain'));
    expect(full.tls.status).toBe('pass');
  });

  it('names an https → http redirect a downgrade', async () => {
    const { r } = await withCert(pki.leaf('valid'), { redirect: 'to-http' });
    const redirects = f!.check(r.checks, 'store.redirects');
    expect(redirects.status).toBe('fail');
    expect(redirects.message).toMatch(/^downgrade: https:\/\/127\.0\.0\.1:\d+\/ redirects to plain http/);
    expect(redirects.fix).toContain('Use Secure URLs');
  });
});

describe('doctor: which CAs it trusts', () => {
  it('DOCTOR_CA_FILE must exist; NODE_EXTRA_CA_CERTS is its default, ignored when missing', () => {
    const pki = createTestPki();
    expect(() => loadConfig(testEnv({ DOCTOR_CA_FILE: '/nonexistent/ca.pem' }))).toThrow(
      'DOCTOR_CA_FILE names a file that does not exist: /nonexistent/ca.pem',
    );
    expect(loadConfig(testEnv({ NODE_EXTRA_CA_CERTS: pki.caFile })).diagnostics.caFile).toBe(pki.caFile);
    expect(loadConfig(testEnv({ NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' })).diagnostics.caFile).toBeNull();
    expect(() => loadConfig(testEnv({ DOCTOR_TIMEOUT_MS: '50' }))).toThrow('DOCTOR_TIMEOUT_MS must be >= 100');
  });
});
