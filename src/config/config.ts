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
  /** First key encrypts; every key decrypts (rotation). */
  readonly encryptionKeys: readonly Buffer[];
  readonly cookieKeys: readonly string[];
  readonly trustProxy: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly shutdownTimeoutMs: number;
  readonly expiredCleanupIntervalMs: number;
  readonly scopesFile: string | null;
  readonly routesFile: string | null;
}
