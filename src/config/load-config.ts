import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import { ConfigError, readers } from './env-readers.js';
import { readSecurityOps } from './security-ops-config.js';
import { readAlertsConfig } from './alerts-config.js';
import { readAuditTrailConfig } from './audit-trail-config.js';
import { readDiagnosticsConfig } from './diagnostics-config.js';
import { readPasskeysConfig } from './passkeys-config.js';

export { ConfigError } from './env-readers.js';

type Env = Record<string, string | undefined>;

/**
 * The only reader of process.env. Validates everything at once so a bad deployment fails at
 * start with every problem named, instead of at the first request that needs the value.
 */
export function loadConfig(env: Env = process.env, opts: { warn?: (msg: string) => void } = {}): Config {
  const warn = opts.warn ?? ((msg: string) => process.stderr.write(`WARNING: ${msg}\n`));
  const r = readers(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';
  const port = r.int('PORT', 3000, { min: 0, max: 65535 });
  const issuer = r.url('ISSUER', `http://localhost:${port}`, { noTrailingSlash: true });
  if (production && issuer && !issuer.startsWith('https://'))
    r.fail('ISSUER', 'must be an https:// URL when NODE_ENV=production');
  // Pages, the gateway and Magento's callback URLs are served at the root of the issuer's host.
  if (issuer && /^https?:\/\/[^/]+\/./.test(issuer))
    r.fail('ISSUER', 'must not have a path (serve the bridge at the root of its own host name)');
  const databaseUrl = r.string('DATABASE_URL', '') || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    r.fail('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  if (production && !databaseUrl)
    r.fail('DATABASE_URL', 'is required when NODE_ENV=production (the embedded PGlite database is for development)');
  const dataDir = resolve(r.string('DATA_DIR', './data'));
  const magentoBaseUrl = r.url('MAGENTO_BASE_URL', '', { trailingSlash: true }) || null;
  if (production && !magentoBaseUrl) r.fail('MAGENTO_BASE_URL', 'is required when NODE_ENV=production');

  let encryptionKeys = r.keyList('ENCRYPTION_KEY', 32);
  const oldKeys = r.keyList('ENCRYPTION_KEYS_OLD', 32);
  let cookieKeys = r.list('COOKIE_KEYS');
  if (cookieKeys.some((k) => k.length < 32)) r.fail('COOKIE_KEYS', 'each key must be at least 32 characters');
  if (production) {
    if (!encryptionKeys.length)
      r.fail('ENCRYPTION_KEY', 'is required when NODE_ENV=production (32 bytes, base64 or hex)');
    if (!cookieKeys.length)
      r.fail('COOKIE_KEYS', 'is required when NODE_ENV=production (comma-separated, 32+ characters each)');
  }

  const gatewayMaxConnections = r.int('GATEWAY_MAX_CONNECTIONS', 64, { min: 1 });
  const config = {
    nodeEnv,
    production,
    port,
    host: r.string('HOST', '0.0.0.0'),
    issuer,
    databaseUrl,
    dataDir,
    magentoBaseUrl,
    magentoSigningProfile: r.oneOf(
      'MAGENTO_SIGNING_PROFILE',
      ['auto', '2.4-develop', '2.4-urifix', '2.4-laminas', 'rfc5849'],
      'auto',
    ),
    encryptionKeys: [] as Buffer[],
    cookieKeys,
    trustProxy: r.bool('TRUST_PROXY', false),
    logLevel: r.oneOf(
      'LOG_LEVEL',
      ['debug', 'info', 'warn', 'error', 'silent'],
      nodeEnv === 'test' ? 'silent' : 'info',
    ),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 4_000, { min: 0 }),
    databasePoolMax: r.int('DATABASE_POOL_MAX', 20, { min: 1, max: 1000 }),
    workers: readWorkers(r.string('WORKERS', '1'), r, databaseUrl),
    metrics: readMetrics(r, databaseUrl ? r.string('WORKERS', '1') : '1'),
    audit: {
      flushIntervalMs: r.int('AUDIT_FLUSH_INTERVAL_MS', 5, { min: 1, max: 10_000 }),
      bufferMax: r.int('AUDIT_BUFFER_MAX', 10_000, { min: 10 }),
    },
    securityOps: readSecurityOps(r, databaseUrl),
    auditTrail: readAuditTrailConfig(r),
    cacheFallbackTtlMs: r.int('CACHE_FALLBACK_TTL_MS', 1000, { min: 0, max: 60_000 }),
    expiredCleanupIntervalMs: r.int('EXPIRED_CLEANUP_INTERVAL_MS', 10 * 60_000, { min: 1000 }),
    scopesFile: r.string('SCOPES_FILE', '') || null,
    routesFile: r.string('ROUTES_FILE', '') || null,
    brandName: r.string('BRAND_NAME', '') || null,
    // OAuth grants and client registry (issue 3).
    apiAudience: r.url('API_AUDIENCE', `${issuer}/api`, { noTrailingSlash: true }),
    accessTokenTtlS: r.int('ACCESS_TOKEN_TTL_S', 3600, { min: 60 }),
    clientCredentialsTtlS: r.int('CLIENT_CREDENTIALS_TTL_S', 3600, { min: 60 }),
    refreshTokenTtlS: r.int('REFRESH_TOKEN_TTL_S', 30 * 24 * 3600, { min: 60 }),
    refreshTokenAbsoluteTtlS: r.int('REFRESH_TOKEN_ABSOLUTE_TTL_S', 180 * 24 * 3600, { min: 60 }),
    refreshReuseGraceS: r.int('REFRESH_REUSE_GRACE_S', 10, { min: 0, max: 300 }),
    refreshRotationConfidential: r.bool('REFRESH_ROTATION_CONFIDENTIAL', true),
    pkceRequiredForAll: r.bool('PKCE_REQUIRED_FOR_ALL', true),
    clientSecretRotationOverlapS: r.int('CLIENT_SECRET_ROTATION_OVERLAP_S', 24 * 3600, { min: 0 }),
    adminLockoutThreshold: r.int('ADMIN_LOCKOUT_THRESHOLD', 5, { min: 1, max: 100 }),
    adminLockoutMinutes: r.int('ADMIN_LOCKOUT_MINUTES', 15, { min: 1 }),
    adminArgon2: {
      memoryKib: r.int('ADMIN_ARGON2_MEMORY_KIB', 19456, { min: 19456 }),
      timeCost: r.int('ADMIN_ARGON2_TIME_COST', 2, { min: 2 }),
      parallelism: r.int('ADMIN_ARGON2_PARALLELISM', 1, { min: 1 }),
    },
    // The admin console's sessions (/admin): idle and absolute timeouts, shown on its pages.
    adminConsole: {
      idleMinutes: r.int('ADMIN_CONSOLE_IDLE_MINUTES', 30, { min: 1, max: 24 * 60 }),
      absoluteHours: r.int('ADMIN_CONSOLE_ABSOLUTE_HOURS', 12, { min: 1, max: 24 * 30 }),
    },
    loginRateLimit: {
      max: r.int('LOGIN_RATE_LIMIT_MAX', 30, { min: 1 }),
      windowSeconds: r.int('LOGIN_RATE_LIMIT_WINDOW_SECONDS', 300, { min: 1 }),
    },
    // Magento's activation POSTs (Endpoint URL), per client IP (issue 10).
    activationRateLimit: {
      max: r.int('ACTIVATION_RATE_LIMIT_MAX', 10, { min: 1 }),
      windowSeconds: r.int('ACTIVATION_RATE_LIMIT_WINDOW_SECONDS', 300, { min: 1 }),
    },
    gateway: {
      maxBodyBytes: r.int('GATEWAY_MAX_BODY_BYTES', 10 * 1024 * 1024, { min: 1024 }),
      connectTimeoutMs: r.int('GATEWAY_CONNECT_TIMEOUT_MS', 5_000, { min: 100 }),
      timeoutMs: r.int('GATEWAY_TIMEOUT_MS', 30_000, { min: 100 }),
      maxConnections: gatewayMaxConnections,
      maxConnectionsPerClient: r.int(
        'GATEWAY_MAX_CONNECTIONS_PER_CLIENT',
        Math.max(1, Math.floor(gatewayMaxConnections / 4)),
        { min: 1 },
      ),
      graphqlMaxDepth: r.int('GATEWAY_GRAPHQL_MAX_DEPTH', 15, { min: 1, max: 1000 }),
      graphqlMaxTokens: r.int('GATEWAY_GRAPHQL_MAX_TOKENS', 5000, { min: 10, max: 1_000_000 }),
      dpopProofMaxAgeS: r.int('DPOP_PROOF_MAX_AGE_S', 60, { min: 5, max: 600 }),
    },
    alerts: readAlertsConfig(r, { production }),
    diagnostics: readDiagnosticsConfig(r),
    passkeys: readPasskeysConfig(r, issuer),
  };
  // Shown in every page's header and title: a short name, printable characters only.
  if (config.brandName && (config.brandName.length > 60 || /[\p{Cc}]/u.test(config.brandName)))
    r.fail('BRAND_NAME', 'must be at most 60 printable characters');
  r.throwIfFailed();

  // Development only: keep generated secrets in DATA_DIR so restarts keep sessions and ciphertexts.
  if (!encryptionKeys.length) {
    encryptionKeys = [devSecret(dataDir, 'encryption.key', warn, 'ENCRYPTION_KEY')];
  }
  if (!cookieKeys.length) {
    cookieKeys = [devSecret(dataDir, 'cookie.key', warn, 'COOKIE_KEYS').toString('base64url')];
  }
  return Object.freeze({ ...config, encryptionKeys: [...encryptionKeys, ...oldKeys], cookieKeys });
}

function devSecret(dataDir: string, name: string, warn: (m: string) => void, variable: string): Buffer {
  const file = join(dataDir, name);
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  warn(`${variable} is not set: generated a development key in ${file}. Set ${variable} in production.`);
  return key;
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/** `WORKERS`: a count, or `auto` for one process per CPU the machine gives this one. */
function readWorkers(value: string, r: ReturnType<typeof readers>, databaseUrl: string | null): number {
  const n = value === 'auto' ? Math.max(1, availableParallelism()) : Number(value);
  if (value !== 'auto' && (!/^\d+$/.test(value) || n < 1 || n > 256)) {
    r.fail('WORKERS', `must be a number of processes (1–256) or auto (got "${value}")`);
    return 1;
  }
  // The embedded database lives in one process; several need a shared PostgreSQL.
  if (n > 1 && !databaseUrl && value !== 'auto') r.fail('WORKERS', 'above 1 needs DATABASE_URL (PostgreSQL)');
  return databaseUrl ? n : 1;
}

function readMetrics(r: ReturnType<typeof readers>, workers: string): Config['metrics'] {
  const port = r.int('METRICS_PORT', 0, { min: 0, max: 65535 }) || null;
  const token = r.string('METRICS_TOKEN', '') || null;
  if (token !== null && token.length < 32) r.fail('METRICS_TOKEN', 'must be at least 32 characters');
  // One worker's numbers are not the server's: with several, the primary serves them, on the port.
  if (token !== null && port === null && workers !== '1')
    r.fail('METRICS_TOKEN', 'with WORKERS above 1 serves one worker only: set METRICS_PORT (aggregated)');
  return { port, host: r.string('METRICS_HOST', '127.0.0.1'), token };
}
