import type { AuditTrailConfig } from './audit-trail-config.js';
import type { SecurityOpsConfig } from './security-ops-config.js';
import type { AlertsConfig } from './alerts-config.js';
import type { DiagnosticsConfig } from './diagnostics-config.js';
import type { PasskeysConfig } from './passkeys-config.js';

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** Public base URL of this server, no trailing slash. */
  readonly issuer: string;
  /** null → embedded PGlite under dataDir. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Normalized with a trailing slash, or null when no store is configured. */
  readonly magentoBaseUrl: string | null;
  /** Whose OAuth 1.0a base-string rules to sign by: a Magento code line, or `auto` (probed per link). */
  readonly magentoSigningProfile: 'auto' | '2.4-develop' | '2.4-urifix' | '2.4-laminas' | 'rfc5849';
  /** First key encrypts; every key decrypts (rotation). */
  readonly encryptionKeys: readonly Buffer[];
  readonly cookieKeys: readonly string[];
  readonly trustProxy: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly shutdownTimeoutMs: number;
  /** Connections per server process to PostgreSQL (DATABASE_POOL_MAX). */
  readonly databasePoolMax: number;
  /**
   * Prometheus metrics: on their own port (METRICS_PORT, on METRICS_HOST), or at /metrics on the
   * main port for a bearer token (METRICS_TOKEN); neither → not served.
   */
  readonly metrics: { readonly port: number | null; readonly host: string; readonly token: string | null };
  /** Server processes (node:cluster) sharing the port (WORKERS; `auto` = CPU count). */
  readonly workers: number;
  /** Audit rows are written in batches off the request path; a full buffer makes requests wait. */
  readonly audit: { readonly flushIntervalMs: number; readonly bufferMax: number };
  readonly auditTrail: AuditTrailConfig;
  /**
   * How long a cached client, grant, token or link answer is trusted on the embedded database,
   * which has no cross-process notifications (CACHE_FALLBACK_TTL_MS).
   */
  readonly cacheFallbackTtlMs: number;
  readonly expiredCleanupIntervalMs: number;
  readonly scopesFile: string | null;
  readonly routesFile: string | null;
  /** The store's name shown on every page next to the product's name (BRAND_NAME); null → product name only. */
  readonly brandName: string | null;
  /** Resource indicator (and JWT `aud`) of the Magento API; default `${issuer}/api`. */
  readonly apiAudience: string;
  readonly accessTokenTtlS: number;
  readonly clientCredentialsTtlS: number;
  /** Sliding refresh lifetime: each rotation starts it again, up to the absolute cap. */
  readonly refreshTokenTtlS: number;
  readonly refreshTokenAbsoluteTtlS: number;
  /** A consumed refresh token replayed within this window fails without revoking the grant. */
  readonly refreshReuseGraceS: number;
  readonly refreshRotationConfidential: boolean;
  readonly pkceRequiredForAll: boolean;
  /** How long the previous client secret keeps working after rotate-secret. */
  readonly clientSecretRotationOverlapS: number;
  /** Consecutive failed passwords/codes that lock an admin account (ADMIN_LOCKOUT_THRESHOLD). */
  readonly adminLockoutThreshold: number;
  /** How long a locked admin account stays locked (ADMIN_LOCKOUT_MINUTES). */
  readonly adminLockoutMinutes: number;
  /** argon2id parameters for admin passwords; never below OWASP's m=19 MiB, t=2, p=1. */
  readonly adminArgon2: { readonly memoryKib: number; readonly timeCost: number; readonly parallelism: number };
  /** The admin console's session timeouts (ADMIN_CONSOLE_IDLE_MINUTES, ADMIN_CONSOLE_ABSOLUTE_HOURS). */
  readonly adminConsole: { readonly idleMinutes: number; readonly absoluteHours: number };
  /** Per-IP limit of login and code POSTs (LOGIN_RATE_LIMIT_MAX per LOGIN_RATE_LIMIT_WINDOW_SECONDS). */
  readonly loginRateLimit: { readonly max: number; readonly windowSeconds: number };
  /** Per-IP limit of activation POSTs (ACTIVATION_RATE_LIMIT_MAX per ACTIVATION_RATE_LIMIT_WINDOW_SECONDS). */
  readonly activationRateLimit: { readonly max: number; readonly windowSeconds: number };
  /** Rate limits, blocks and country rules (issue 15; see security-ops-config.ts). */
  readonly securityOps: SecurityOpsConfig;
  readonly gateway: {
    /** Request bodies above this get 413 before reaching Magento. */
    readonly maxBodyBytes: number;
    readonly connectTimeoutMs: number;
    /** Whole exchange with Magento; past it the caller gets 504. */
    readonly timeoutMs: number;
    readonly maxConnections: number;
    /** GraphQL documents nested deeper than this (fields, fragments followed) get 400 (GATEWAY_GRAPHQL_MAX_DEPTH). */
    readonly graphqlMaxDepth: number;
    /** GraphQL documents with more lexical tokens (or comments) than this get 400 (GATEWAY_GRAPHQL_MAX_TOKENS). */
    readonly graphqlMaxTokens: number;
    /** A DPoP proof's `iat` may be this far from now, either way (DPOP_PROOF_MAX_AGE_S). */
    readonly dpopProofMaxAgeS: number;
    /** Upstream calls one client may have in flight; over it: 429 + Retry-After. */
    readonly maxConnectionsPerClient: number;
  };
  /** Anomaly alerts: rule thresholds, the evaluator's schedule, the webhook (ALERT_*; issue 15). */
  readonly alerts: AlertsConfig;
  /** `doctor`: the CAs and timeouts it reaches the store with (DOCTOR_*; issue 17). */
  readonly diagnostics: DiagnosticsConfig;
  /** Admin passkeys (WebAuthn) and the second-factor policy (ADMIN_SECOND_FACTOR; issue 18). */
  readonly passkeys: PasskeysConfig;
}
