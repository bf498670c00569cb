// ALERT_* variables: defaults, what they turn into, and the refusals a bad deployment gets at start.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { networkOf } from '../../src/alerts/ip-network.js';
import { outsideHours } from '../../src/alerts/active-hours-rule.js';
import { testEnv } from '../support/test-env.js';

const SECRET = 's'.repeat(32);
const production = {
  NODE_ENV: 'production',
  ISSUER: 'https://bridge.example',
  DATABASE_URL: 'postgres://u@db/bridge',
  MAGENTO_BASE_URL: 'https://shop.example/',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(testEnv(env), { warn: () => undefined });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.filter((p) => p.startsWith('ALERT_'));
  }
  return [];
}

describe('alerts configuration', () => {
  it('every rule on with the documented defaults; no webhook', () => {
    const { alerts } = loadConfig(testEnv());
    expect(alerts).toMatchObject({
      evalIntervalMs: 30_000,
      dedupWindowS: 3600,
      disabledRules: [],
      signinFailures: { max: 10, windowS: 300 },
      tokenFailures: { max: 20, windowS: 300 },
      volume: { factor: 5, min: 500, windowS: 3600, baselineDays: 7 },
      bulkReads: { max: 200, windowS: 300 },
      sessionMaxHours: 12,
      webhook: { url: null, secret: null, backoffS: [5, 30, 120, 600, 3600], maxAttempts: 12 },
    });
  });

  it('reads every variable', () => {
    const { alerts } = loadConfig(
      testEnv({
        ALERT_RULES_DISABLED: 'bulk_reads, long_session',
        ALERT_SIGNIN_FAILURES: '3',
        ALERT_WEBHOOK_URL: 'https://hooks.example/bridge',
        ALERT_WEBHOOK_SECRET: SECRET,
        ALERT_WEBHOOK_BACKOFF_S: '1,2',
      }),
    );
    expect(alerts.disabledRules).toEqual(['bulk_reads', 'long_session']);
    expect(alerts.signinFailures.max).toBe(3);
    expect(alerts.webhook).toMatchObject({ url: 'https://hooks.example/bridge', secret: SECRET, backoffS: [1, 2] });
  });

  it('refuses an http URL in production, a short or missing secret, unknown rules, bad backoff', () => {
    expect(
      problems({ ...production, ALERT_WEBHOOK_URL: 'http://hooks.example/', ALERT_WEBHOOK_SECRET: SECRET }),
    ).toEqual(['ALERT_WEBHOOK_URL must be an https:// URL when NODE_ENV=production']);
    expect(problems({ ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/', ALERT_WEBHOOK_SECRET: SECRET })).toEqual([]);
    expect(problems({ ALERT_WEBHOOK_URL: 'https://hooks.example/' })).toEqual([
      'ALERT_WEBHOOK_SECRET is required when ALERT_WEBHOOK_URL is set',
    ]);
    expect(problems({ ALERT_WEBHOOK_SECRET: 'short' })).toEqual([
      'ALERT_WEBHOOK_SECRET must be at least 32 characters',
    ]);
    expect(problems({ ALERT_RULES_DISABLED: 'bulk_reads,nope' })[0]).toMatch(
      /^ALERT_RULES_DISABLED names unknown rules: nope/,
    );
    expect(problems({ ALERT_WEBHOOK_BACKOFF_S: '5,0' })).toEqual([
      'ALERT_WEBHOOK_BACKOFF_S must be comma-separated whole seconds, each at least 1',
    ]);
  });
});

describe('rule helpers', () => {
  it('networkOf: /24 for IPv4 (mapped too), /48 for IPv6, null for anything else', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:DB8::1')).toBe('2001:db8:0::/48');
    expect(networkOf('::1')).toBe('0:0:0::/48');
    expect(networkOf('unknown')).toBeNull();
    expect(networkOf(null)).toBeNull();
  });

  it('outsideHours: local to the time zone, end exclusive, ranges over midnight', () => {
    const office = { start: '09:00', end: '17:00', timeZone: 'America/New_York' };
    expect(outsideHours(new Date('2026-12-01T14:00:00Z'), office)).toBe(false); // 09:00 in New York
    expect(outsideHours(new Date('2026-12-01T13:59:00Z'), office)).toBe(true);
    expect(outsideHours(new Date('2026-12-01T22:00:00Z'), office)).toBe(true); // 17:00
    const night = { start: '22:00', end: '06:00', timeZone: 'UTC' };
    expect(outsideHours(new Date('2026-12-01T23:30:00Z'), night)).toBe(false);
    expect(outsideHours(new Date('2026-12-01T05:59:00Z'), night)).toBe(false);
    expect(outsideHours(new Date('2026-12-01T12:00:00Z'), night)).toBe(true);
  });
});
