import type { readers } from './env-readers.js';
import { parseRateLimit, type RateLimitSpec } from './rate-limit-spec.js';

type Readers = ReturnType<typeof readers>;
export type LimiterStoreChoice = 'redis' | 'postgres' | 'memory';

export interface SecurityOpsConfig {
  readonly rateLimits: {
    /** RATE_LIMIT_STORE, resolved: redis with REDIS_URL, postgres with DATABASE_URL, else memory. */
    readonly store: LimiterStoreChoice;
    readonly redisUrl: string | null;
    /** RATE_LIMIT_KEY_PREFIX: several bridges (or test runs) may share one Redis. */
    readonly keyPrefix: string;
    readonly tokenPerClient: RateLimitSpec;
    readonly tokenPerIp: RateLimitSpec;
    readonly clientAuthFailuresPerClient: RateLimitSpec;
    readonly clientAuthFailuresPerIp: RateLimitSpec;
    readonly signInPerAccount: RateLimitSpec;
    /** Per client, unless the client has its own (`clients:update --rate-limit`). */
    readonly gatewayPerClient: RateLimitSpec;
    /** While the store is down: refuse (closed) or let through (open, with an alert). */
    readonly failOpen: { readonly token: boolean; readonly signIn: boolean; readonly gateway: boolean };
  };
  readonly blocks: {
    /** Refusals within the window after which the IP or client is blocked. */
    readonly afterRefusals: number;
    readonly refusalWindowS: number;
    readonly durationS: number;
  };
  /** CLIENT_SECRET_MAX_AGE_DAYS: older secrets are flagged in clients:list and alerted once. */
  readonly clientSecretMaxAgeDays: number;
  /** GEO_DENY_COUNTRIES: ISO 3166-1 alpha-2 codes refused everywhere. */
  readonly geoDenyCountries: readonly string[];
}

function spec(r: Readers, name: string, def: string): RateLimitSpec {
  const text = r.string(name, def);
  const parsed = parseRateLimit(text);
  if (!parsed) {
    r.fail(name, `must be a budget like 600/min, 10/15min, 5/30s, 100/hour (got "${text}")`);
    return parseRateLimit(def)!;
  }
  return parsed;
}

function failMode(r: Readers, name: string, def: 'open' | 'closed'): boolean {
  return r.oneOf(name, ['open', 'closed'], def) === 'open';
}

/** Issue 15's rate limits, blocks and country rules. */
export function readSecurityOps(r: Readers, databaseUrl: string | null): SecurityOpsConfig {
  const redisUrl = r.string('REDIS_URL', '') || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) r.fail('REDIS_URL', 'must be a redis:// or rediss:// URL');
  const auto: LimiterStoreChoice = redisUrl ? 'redis' : databaseUrl ? 'postgres' : 'memory';
  const chosen = r.oneOf('RATE_LIMIT_STORE', ['auto', 'redis', 'postgres', 'memory'], 'auto');
  const store = chosen === 'auto' ? auto : (chosen as LimiterStoreChoice);
  if (store === 'redis' && !redisUrl) r.fail('RATE_LIMIT_STORE', 'redis needs REDIS_URL');
  if (store === 'postgres' && !databaseUrl)
    r.fail('RATE_LIMIT_STORE', 'postgres needs DATABASE_URL (the embedded database keeps limits in memory)');
  const countries = r.list('GEO_DENY_COUNTRIES').map((c) => c.toUpperCase());
  for (const c of countries)
    if (!/^[A-Z]{2}$/.test(c)) r.fail('GEO_DENY_COUNTRIES', `"${c}" is not an ISO 3166-1 alpha-2 country code`);
  return {
    rateLimits: {
      store,
      redisUrl,
      keyPrefix: r.string('RATE_LIMIT_KEY_PREFIX', 'bridge'),
      tokenPerClient: spec(r, 'TOKEN_RATE_LIMIT_PER_CLIENT', '1200/min'),
      // Stricter than per client: one address trying many clients is credential stuffing.
      tokenPerIp: spec(r, 'TOKEN_RATE_LIMIT_PER_IP', '600/min'),
      clientAuthFailuresPerClient: spec(r, 'CLIENT_AUTH_FAILURE_LIMIT_PER_CLIENT', '20/15min'),
      clientAuthFailuresPerIp: spec(r, 'CLIENT_AUTH_FAILURE_LIMIT_PER_IP', '10/15min'),
      signInPerAccount: spec(r, 'LOGIN_RATE_LIMIT_PER_ACCOUNT', '30/15min'),
      gatewayPerClient: spec(r, 'GATEWAY_RATE_LIMIT', '1200/min'),
      failOpen: {
        token: failMode(r, 'RATE_LIMIT_FAIL_MODE_TOKEN', 'closed'),
        signIn: failMode(r, 'RATE_LIMIT_FAIL_MODE_SIGNIN', 'closed'),
        gateway: failMode(r, 'RATE_LIMIT_FAIL_MODE_GATEWAY', 'open'),
      },
    },
    blocks: {
      afterRefusals: r.int('BLOCK_AFTER_REFUSALS', 20, { min: 1 }),
      refusalWindowS: r.int('BLOCK_REFUSAL_WINDOW_S', 600, { min: 1 }),
      durationS: r.int('BLOCK_DURATION_S', 3600, { min: 1 }),
    },
    clientSecretMaxAgeDays: r.int('CLIENT_SECRET_MAX_AGE_DAYS', 90, { min: 1, max: 3650 }),
    geoDenyCountries: [...new Set(countries)],
  };
}
