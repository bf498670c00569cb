import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createSecretBox } from '../../src/security/secret-box.js';
import { accessRefusal, parseActiveHours } from '../../src/clients/client-access-policy.js';
import { formatRateLimit, parseRateLimit } from '../../src/config/rate-limit-spec.js';
import { createFakeClock } from '../support/fake-clock.js';
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

const create = (...extra: string[]) =>
  cli(
    'clients:create',
    '--name',
    'ERP',
    '--type',
    'confidential',
    '--grant-type',
    'client_credentials',
    '--scope',
    'catalog:read',
    '--json',
    ...extra,
  );

describe('client access rules in the CLI', () => {
  it('create and update --rate-limit, --allow-ip, --allow-country/--deny-country, --active-hours; clear them again', async () => {
    const r = await create(
      '--rate-limit',
      '10000/hour',
      '--allow-ip',
      '203.0.113.0/24',
      '--allow-ip',
      '2001:db8::/32,192.0.2.7',
      '--deny-country',
      'us,kp',
      '--active-hours',
      '08:00-18:00 Europe/Berlin',
    );
    expect(r.code, r.err).toBe(0);
    const { client_id: id, client } = JSON.parse(r.out);
    expect(client).toMatchObject({
      rate_limit: '10000/hour',
      allowed_ips: ['203.0.113.0/24', '2001:db8::/32', '192.0.2.7'],
      allowed_countries: [],
      denied_countries: ['US', 'KP'],
      active_hours: '08:00-18:00 Europe/Berlin',
    });
    const shown = await cli('clients:show', '--client-id', id);
    expect(shown.out).toMatch(/rate limit: +10000\/hour/);
    expect(shown.out).toMatch(/countries: +not US KP/);

    const cleared = await cli(
      'clients:update',
      '--client-id',
      id,
      '--rate-limit',
      'default',
      '--allow-ip',
      'any',
      '--deny-country',
      'none',
      '--allow-country',
      'de',
      '--active-hours',
      'any',
      '--json',
    );
    expect(cleared.code, cleared.err).toBe(0);
    expect(JSON.parse(cleared.out)).toMatchObject({
      rate_limit: null,
      allowed_ips: [],
      allowed_countries: ['DE'],
      denied_countries: [],
      active_hours: null,
    });
  });

  it('refuses a bad budget, address, country or time zone with the value named', async () => {
    for (const [flag, value, words] of [
      ['--rate-limit', '600 per minute', 'rate limit "600 per minute" must look like 600/min'],
      ['--allow-ip', '10.0.0.0/33', '"10.0.0.0/33" has an invalid prefix length'],
      ['--allow-ip', 'intranet', '"intranet" is not an IP address or CIDR block'],
      ['--deny-country', 'USA', '"USA" is not an ISO 3166-1 alpha-2 country code'],
      ['--active-hours', '08:00-18:00 Mars/Olympus', 'active hours "08:00-18:00 Mars/Olympus" must look like'],
    ]) {
      const r = await create(flag!, value!);
      expect(r.code, `${flag} ${value}`).not.toBe(0);
      expect(r.err).toContain(words);
    }
  });
});

describe('access rule primitives', () => {
  it('parses and formats budgets', () => {
    expect(parseRateLimit('600/min')).toEqual({ max: 600, windowSeconds: 60 });
    expect(parseRateLimit('10/15min')).toEqual({ max: 10, windowSeconds: 900 });
    expect(parseRateLimit('5/30s')).toEqual({ max: 5, windowSeconds: 30 });
    expect(parseRateLimit('100/hours')).toEqual({ max: 100, windowSeconds: 3600 });
    for (const bad of ['', '0/min', '10/0min', '10/fortnight', 'min/10', '10/40day'])
      expect(parseRateLimit(bad)).toBeNull();
    for (const text of ['600/min', '10/15min', '5/30s', '100/hour', '7/2day'])
      expect(formatRateLimit(parseRateLimit(text)!)).toBe(text);
  });

  it('matches IPv4, IPv6 and IPv4-mapped addresses against CIDR lists; countries against lists', () => {
    const p = { allowedIps: ['10.0.0.0/8', '2001:db8::/32'], allowedCountries: [], deniedCountries: [] };
    expect(accessRefusal(p, '10.200.1.1', null)).toBeNull();
    expect(accessRefusal(p, '::ffff:10.1.2.3', null)).toBeNull();
    expect(accessRefusal(p, '2001:db8:ffff::1', null)).toBeNull();
    expect(accessRefusal(p, '11.0.0.1', null)?.reason).toBe('ip_not_allowed');
    expect(accessRefusal(p, '2001:db9::1', null)?.reason).toBe('ip_not_allowed');
    const c = { allowedIps: [], allowedCountries: ['DE', 'AT'], deniedCountries: [] };
    expect(accessRefusal(c, '1.2.3.4', 'DE')).toBeNull();
    expect(accessRefusal(c, '1.2.3.4', 'FR')?.reason).toBe('country_denied');
    expect(accessRefusal(c, '10.0.0.1', null)?.reason).toBe('country_denied');
    expect(accessRefusal({ ...c, allowedCountries: [], deniedCountries: ['FR'] }, '1.2.3.4', 'FR')?.reason).toBe(
      'country_denied',
    );
    expect(parseActiveHours('22:00-06:00')).toEqual({ start: '22:00', end: '06:00', timeZone: 'UTC' });
  });
});
