// Brings up what the product scenarios need, each as its own process: the Magento emulator, the
// round-trip counter in front of PostgreSQL, the product server in production mode; then the
// clients, the Magento link and the admins, through the CLI.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EMULATOR_TEST_ROUTES_FILE } from '../../tools/magento-emulator/start-magento-emulator.js';
import { freePort } from '../support/server-process.js';
import { runToEnd, startProcess, type Started } from './child-processes.js';
import { benchScript, EMULATOR, entryPoint, PRODUCT_CLI, PRODUCT_SERVER } from './entry-points.js';

export const ISSUER = 'https://bridge.bench.test';
/** What a client behind a TLS-terminating proxy sends (TRUST_PROXY=true). */
export const PRODUCT_HEADERS = { host: 'bridge.bench.test', 'x-forwarded-proto': 'https' };
export const REDIRECT_URI = 'https://app.example.com/callback';
export const ADMIN_PASSWORD = 'bench-correct-horse-battery-staple';

export interface EmulatorCredentials {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  accessTokenSecret: string;
}

export interface Emulator {
  proc: Started;
  baseUrl: string;
  storeBaseUrl: string;
  credentials: EmulatorCredentials;
}

export async function startEmulator(): Promise<Emulator> {
  const port = await freePort();
  // A directory of its own: a file left by an earlier run must never be read as this one's.
  const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-emulator-'));
  const credentialsFile = join(dir, 'credentials.txt');
  const entry = entryPoint(EMULATOR);
  const { proc } = await startProcess({
    name: 'magento-emulator',
    command: entry.command,
    args: [...entry.args, '--port', String(port), '--credentials-file', credentialsFile],
    env: {},
    readyWhen: (l) => l.startsWith('signatures verified as'),
  });
  // Written right after the banner: wait until all four lines are there.
  const read = () => (existsSync(credentialsFile) ? readFileSync(credentialsFile, 'utf8') : '');
  for (let i = 0; i < 100 && read().split('\n').length < 5; i++) await sleep(20);
  const kv = Object.fromEntries(
    read()
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );
  rmSync(dir, { recursive: true, force: true });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    proc,
    baseUrl,
    storeBaseUrl: `${baseUrl}/`,
    credentials: {
      consumerKey: kv.consumer_key!,
      consumerSecret: kv.consumer_secret!,
      accessToken: kv.access_token!,
      accessTokenSecret: kv.access_token_secret!,
    },
  };
}

export interface RoundTripCounter {
  proc: Started;
  port: number;
  count: () => Promise<number>;
}

export async function startRoundTripCounter(postgresUrl: string): Promise<RoundTripCounter> {
  const entry = benchScript('pg-round-trip-counter.ts');
  const { proc, readyLine } = await startProcess({
    name: 'pg-round-trip-counter',
    command: entry.command,
    args: entry.args,
    env: { PG_TARGET_URL: postgresUrl },
    readyWhen: (l) => l.startsWith('{"ready":true'),
  });
  const { port, statsPort } = JSON.parse(readyLine) as { port: number; statsPort: number };
  return {
    proc,
    port,
    count: async () =>
      ((await (await fetch(`http://127.0.0.1:${statsPort}/`)).json()) as { roundTrips: number }).roundTrips,
  };
}

export interface Product {
  proc: Started;
  baseUrl: string;
  built: boolean;
  env: Record<string, string>;
  workDir: string;
}

/** The product server as deployed: NODE_ENV=production, behind a TLS proxy, default log level (logs are work too). */
export async function startProduct(o: {
  databaseUrl: string;
  viaCounterUrl: string;
  magentoBaseUrl: string;
  connections: number;
}): Promise<Product> {
  const workDir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    ISSUER,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: o.databaseUrl,
    MAGENTO_BASE_URL: o.magentoBaseUrl,
    MAGENTO_SIGNING_PROFILE: 'rfc5849',
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    TRUST_PROXY: 'true',
    DATA_DIR: join(workDir, 'data'),
    ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE,
    // All sign-ins come from 127.0.0.1: the per-IP form limit (30 per 5 min) would be all we measured.
    LOGIN_RATE_LIMIT_MAX: '1000000',
    // Budgets counted on every request (what they cost is measured) but never reached by the load.
    LOGIN_RATE_LIMIT_PER_ACCOUNT: '100000000/min',
    TOKEN_RATE_LIMIT_PER_IP: '100000000/min',
    TOKEN_RATE_LIMIT_PER_CLIENT: '100000000/min',
    GATEWAY_RATE_LIMIT: '100000000/min',
    // BENCH_REDIS_URL: counters in Redis instead of the product's PostgreSQL.
    ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
    // BENCH_PRODUCT_ENV="ALERT_EVAL_INTERVAL_MS=0 AUDIT_FLUSH_INTERVAL_MS=20": what one setting costs.
    ...Object.fromEntries(
      (process.env.BENCH_PRODUCT_ENV ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
    // One client drives every connection: its share of the upstream pool must cover them.
    GATEWAY_MAX_CONNECTIONS_PER_CLIENT: String(Math.max(16, o.connections)),
    // The default (info: an access line per request) unless asked, to see what logging costs.
    ...(process.env.BENCH_PRODUCT_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_PRODUCT_LOG_LEVEL } : {}),
    // What `npm start` sets: glibc returns argon2's 19 MiB blocks and spare arenas to the system.
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
    // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the product under load.
    ...(process.env.BENCH_PRODUCT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_PRODUCT_NODE_OPTIONS } : {}),
  };
  const entry = entryPoint(PRODUCT_SERVER);
  let started: Awaited<ReturnType<typeof startProcess>>;
  try {
    started = await startProcess({
      name: 'product-server',
      command: entry.command,
      args: entry.args,
      // The server's database traffic goes through the counter.
      env: { ...env, DATABASE_URL: o.viaCounterUrl },
      readyWhen: (l) => l.includes('"msg":"listening"'),
      timeoutMs: 60_000,
    });
  } catch (err) {
    // No Product to clean up later: its scratch directory goes now.
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const { proc } = started;
  return { proc, baseUrl: `http://127.0.0.1:${port}`, built: entry.built, env, workDir };
}

export function removeWorkDir(p: Product): void {
  rmSync(p.workDir, { recursive: true, force: true });
}

/** `npm run cli -- <argv>` (the built CLI when there is one) on the product's configuration. */
export async function cli(p: Product, argv: string[], stdin = ''): Promise<string> {
  const entry = entryPoint(PRODUCT_CLI);
  const r = await runToEnd(entry.command, [...entry.args, ...argv], p.env, stdin);
  if (r.code !== 0) throw new Error(`cli ${argv[0]} exited ${r.code}:\n${r.err}${r.out}`);
  return r.out;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

async function createClient(p: Product, args: string[]): Promise<ClientCredentials> {
  const out = JSON.parse(await cli(p, ['clients:create', ...args, '--json'])) as {
    client_id: string;
    client_secret: string;
  };
  return { clientId: out.client_id, clientSecret: out.client_secret };
}

/** A client_credentials client linked to the emulator's integration (magento:import verifies it with one call). */
export async function createGatewayClient(p: Product, emu: Emulator): Promise<ClientCredentials> {
  const c = await createClient(p, [
    '--name',
    'bench-gateway',
    '--type',
    'confidential',
    '--grant-type',
    'client_credentials',
    '--scope',
    'catalog:read catalog:write',
  ]);
  const e = emu.credentials;
  const stdin = JSON.stringify({
    consumer_key: e.consumerKey,
    consumer_secret: e.consumerSecret,
    access_token: e.accessToken,
    access_token_secret: e.accessTokenSecret,
  });
  await cli(p, ['magento:import', '--client', c.clientId, '--json'], stdin);
  return c;
}

/** The web app of the consent flows: code + PKCE, refresh tokens (offline_access), client_secret_basic. */
export function createWebClient(p: Product): Promise<ClientCredentials> {
  return createClient(p, [
    '--name',
    'bench-web-app',
    '--type',
    'confidential',
    '--redirect-uri',
    REDIRECT_URI,
    '--grant-type',
    'authorization_code',
    '--grant-type',
    'refresh_token',
    '--scope',
    'catalog:read catalog:write offline_access',
  ]);
}

export interface BenchAdmin {
  username: string;
  totpSecret: string;
}

export async function createAdmins(p: Product, count: number): Promise<BenchAdmin[]> {
  const entry = benchScript('create-admins.ts');
  const r = await runToEnd(entry.command, entry.args, {
    ...p.env,
    BENCH_ADMIN_COUNT: String(count),
    BENCH_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
  if (r.code !== 0) throw new Error(`create-admins exited ${r.code}:\n${r.err}`);
  return r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as BenchAdmin);
}
