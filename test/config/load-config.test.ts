import { testTmpDir } from '../support/test-env.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const key = randomBytes(32).toString('base64');
const cookie = randomBytes(32).toString('base64url');
const quiet = { warn: () => undefined };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, quiet);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has development defaults and generates dev keys into DATA_DIR with a warning', () => {
    const dir = testTmpDir('cfg-');
    const warnings: string[] = [];
    const c = loadConfig({ DATA_DIR: dir }, { warn: (m) => warnings.push(m) });
    expect(c.port).toBe(3000);
    expect(c.issuer).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeNull();
    expect(c.encryptionKeys[0]).toHaveLength(32);
    expect(existsSync(join(dir, 'encryption.key'))).toBe(true);
    expect(warnings.join('\n')).toMatch(/ENCRYPTION_KEY/);
    // Same keys on the next start.
    const again = loadConfig({ DATA_DIR: dir }, quiet);
    expect(again.encryptionKeys[0]!.equals(c.encryptionKeys[0]!)).toBe(true);
    expect(again.cookieKeys).toEqual(c.cookieKeys);
  });

  it('derives the issuer from PORT and normalizes MAGENTO_BASE_URL', () => {
    const c = loadConfig(
      { PORT: '4001', MAGENTO_BASE_URL: 'https://Shop.example', ENCRYPTION_KEY: key, COOKIE_KEYS: cookie },
      quiet,
    );
    expect(c.issuer).toBe('http://localhost:4001');
    expect(c.magentoBaseUrl).toBe('https://shop.example/');
  });

  it('reads the performance settings: WORKERS (auto = CPUs, PostgreSQL only), pool, audit batching, cache', () => {
    const base = { ENCRYPTION_KEY: key, COOKIE_KEYS: cookie, DATA_DIR: testTmpDir('data-') };
    const pg = { ...base, DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };
    const d = loadConfig(base, quiet);
    expect([d.workers, d.databasePoolMax, d.audit, d.cacheFallbackTtlMs]).toEqual([
      1,
      20,
      { flushIntervalMs: 5, bufferMax: 10_000 },
      1000,
    ]);
    expect(loadConfig({ ...pg, WORKERS: '3', DATABASE_POOL_MAX: '8' }, quiet)).toMatchObject({
      workers: 3,
      databasePoolMax: 8,
    });
    expect(loadConfig({ ...pg, WORKERS: 'auto' }, quiet).workers).toBeGreaterThanOrEqual(1);
    expect(loadConfig({ ...base, WORKERS: 'auto' }, quiet).workers).toBe(1); // the embedded database: one process
    expect(problems({ ...base, WORKERS: '2' })).toEqual(['WORKERS above 1 needs DATABASE_URL (PostgreSQL)']);
    expect(problems({ ...pg, WORKERS: 'many', DATABASE_POOL_MAX: '0', AUDIT_BUFFER_MAX: '1' })).toEqual([
      'DATABASE_POOL_MAX must be >= 1 (got 0)',
      'WORKERS must be a number of processes (1–256) or auto (got "many")',
      'AUDIT_BUFFER_MAX must be >= 10 (got 1)',
    ]);
  });

  it('reads the metrics settings: a port, or a long token; a token alone with several workers is refused', () => {
    const base = { ENCRYPTION_KEY: key, COOKIE_KEYS: cookie, DATA_DIR: testTmpDir('data-') };
    const pg = { ...base, DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };
    expect(loadConfig(base, quiet).metrics).toEqual({ port: null, host: '127.0.0.1', token: null });
    expect(loadConfig({ ...base, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }, quiet).metrics).toEqual({
      port: 9464,
      host: '0.0.0.0',
      token: null,
    });
    expect(problems({ ...base, METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN must be at least 32 characters']);
    expect(problems({ ...pg, WORKERS: '2', METRICS_TOKEN: 't'.repeat(32) })).toEqual([
      'METRICS_TOKEN with WORKERS above 1 serves one worker only: set METRICS_PORT (aggregated)',
    ]);
    expect(
      loadConfig({ ...pg, WORKERS: '2', METRICS_TOKEN: 't'.repeat(32), METRICS_PORT: '9464' }, quiet).metrics,
    ).toMatchObject({ port: 9464 });
  });

  it("reads the activation endpoint's per-IP limit (default 10 POSTs per 300 s)", () => {
    const base = { ENCRYPTION_KEY: key, COOKIE_KEYS: cookie };
    expect(loadConfig(base, quiet).activationRateLimit).toEqual({ max: 10, windowSeconds: 300 });
    expect(
      loadConfig({ ...base, ACTIVATION_RATE_LIMIT_MAX: '4', ACTIVATION_RATE_LIMIT_WINDOW_SECONDS: '60' }, quiet)
        .activationRateLimit,
    ).toEqual({ max: 4, windowSeconds: 60 });
    const p = problems({ ...base, ACTIVATION_RATE_LIMIT_MAX: '0', ACTIVATION_RATE_LIMIT_WINDOW_SECONDS: 'soon' }).join(
      '\n',
    );
    expect(p).toMatch(/ACTIVATION_RATE_LIMIT_MAX/);
    expect(p).toMatch(/ACTIVATION_RATE_LIMIT_WINDOW_SECONDS/);
  });

  it('names every bad variable at once', () => {
    const p = problems({ PORT: 'abc', DATABASE_URL: 'mysql://x', TRUST_PROXY: 'maybe', ENCRYPTION_KEY: 'short' });
    expect(p.join('\n')).toMatch(/PORT must be an integer/);
    expect(p.join('\n')).toMatch(/DATABASE_URL must be a postgres/);
    expect(p.join('\n')).toMatch(/TRUST_PROXY must be true or false/);
    expect(p.join('\n')).toMatch(/ENCRYPTION_KEY key #1 must be 32 bytes/);
  });

  it('refuses development defaults in production', () => {
    const p = problems({ NODE_ENV: 'production', ISSUER: 'http://auth.example' });
    const text = p.join('\n');
    expect(text).toMatch(/ISSUER must be an https/);
    expect(text).toMatch(/DATABASE_URL is required/);
    expect(text).toMatch(/ENCRYPTION_KEY is required/);
    expect(text).toMatch(/COOKIE_KEYS is required/);
    expect(text).toMatch(/MAGENTO_BASE_URL is required/);
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig(
      {
        NODE_ENV: 'production',
        ISSUER: 'https://auth.example',
        DATABASE_URL: 'postgres://u@db/bridge',
        ENCRYPTION_KEY: key,
        COOKIE_KEYS: cookie,
        MAGENTO_BASE_URL: 'https://shop.example/',
        TRUST_PROXY: 'true',
      },
      quiet,
    );
    expect(c.production).toBe(true);
    expect(c.trustProxy).toBe(true);
  });

  it('reads BRAND_NAME (the store name on every page), trimmed; null when unset; rejects long or control text', () => {
    expect(
      loadConfig({ BRAND_NAME: '  Acme Outdoor ', ENCRYPTION_KEY: key, COOKIE_KEYS: cookie }, quiet).brandName,
    ).toBe('Acme Outdoor');
    expect(loadConfig({ ENCRYPTION_KEY: key, COOKIE_KEYS: cookie }, quiet).brandName).toBeNull();
    expect(problems({ BRAND_NAME: 'x'.repeat(61) }).join()).toMatch(
      /BRAND_NAME must be at most 60 printable characters/,
    );
    expect(problems({ BRAND_NAME: 'Acme\u0007Shop' }).join()).toMatch(/BRAND_NAME must be at most 60 printable/);
  });

  it('rejects an issuer with a path', () => {
    expect(problems({ ISSUER: 'https://a.example/oauth' }).join()).toMatch(/ISSUER must not have a path/);
  });

  it('rejects an issuer with a query string', () => {
    expect(problems({ ISSUER: 'https://a.example/?x=1' }).join()).toMatch(/ISSUER must not carry a query/);
  });

  it(
    'GATEWAY_MAX_CONNECTIONS_PER_CLIENT defaults to a quarter of the pool (at least 1) and must be a ' +
      'positive integer',
    () => {
      const dir = testTmpDir('cfg-');
      const base = { DATA_DIR: dir, ENCRYPTION_KEY: key, COOKIE_KEYS: cookie };
      expect(loadConfig(base, quiet).gateway).toMatchObject({ maxConnections: 64, maxConnectionsPerClient: 16 });
      expect(loadConfig({ ...base, GATEWAY_MAX_CONNECTIONS: '3' }, quiet).gateway.maxConnectionsPerClient).toBe(1);
      expect(
        loadConfig({ ...base, GATEWAY_MAX_CONNECTIONS_PER_CLIENT: '5' }, quiet).gateway.maxConnectionsPerClient,
      ).toBe(5);
      expect(problems({ ...base, GATEWAY_MAX_CONNECTIONS_PER_CLIENT: '0' }).join()).toMatch(
        /GATEWAY_MAX_CONNECTIONS_PER_CLIENT/,
      );
    },
  );
});
