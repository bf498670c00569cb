// The bridge's own ground: ISSUER, keys, the database (reachable, migrated) and its clock.
import { checkEncryptionKey } from '../db/key-check.js';
import { migrationSource } from '../db/migrate.js';
import { fail, pass, type CheckResult } from './check-result.js';
import type { DoctorRun } from './doctor-run.js';

/** OAuth 1.0a timestamps (and TOTP codes) go wrong when clocks disagree by more than this. */
export const MAX_CLOCK_SKEW_MS = 60_000;

export async function checkIssuer(run: DoctorRun): Promise<CheckResult> {
  const { issuer, production } = run.services.config;
  if (issuer.startsWith('https://')) return pass('config.issuer', { message: `ISSUER is ${issuer} (https)` });
  if (production)
    return fail('config.issuer', {
      message: `ISSUER is ${issuer}, not https, in production`,
      fix: 'Set ISSUER to the https:// address apps and Magento reach this server at (behind your TLS proxy), then restart.',
    });
  return pass('config.issuer', { message: `ISSUER is ${issuer} (http is allowed outside production)` });
}

export async function checkDatabase(run: DoctorRun): Promise<CheckResult> {
  const { db } = run.services;
  try {
    await db.raw('select 1');
  } catch (err) {
    return fail('config.database', {
      message: `the database does not answer: ${(err as Error).message.slice(0, 200)}`,
      fix:
        'Check DATABASE_URL (host, port, database name) and that ' +
        'PostgreSQL is running and reachable from this server.',
    });
  }
  const [, pending] = (await db.migrate.list({ migrationSource })) as [unknown[], unknown[]];
  if (pending.length)
    return fail('config.database', {
      message: `the database answers but ${pending.length} migration(s) are not applied`,
      fix: 'Run `npm run cli -- db:migrate` (or restart the server, which migrates at start).',
      details: { pending: pending.length },
    });
  return pass('config.database', { message: 'the database answers and every migration is applied' });
}

export async function checkKeys(run: DoctorRun): Promise<CheckResult> {
  const { db, box, keyStore } = run.services;
  try {
    await checkEncryptionKey(db, box);
  } catch (err) {
    return fail('config.keys', {
      message: 'ENCRYPTION_KEY does not open the secrets stored in this database',
      fix: (err as Error).message,
    });
  }
  const keys = await keyStore.list();
  const current = keys.filter((k) => k.current);
  if (!current.length)
    return fail('config.keys', {
      message: 'no current token-signing key in the database',
      fix: 'Start the server once (it creates its keys) or run `npm run cli -- keys:rotate`.',
    });
  return pass('config.keys', {
    message:
      `ENCRYPTION_KEY opens the database; ${current.length} current ` +
      `signing key(s) (${current.map((k) => k.alg).join(', ')})`,
    details: { signing_keys: keys.length },
  });
}

export async function checkDatabaseClock(run: DoctorRun): Promise<CheckResult> {
  const { db, clock } = run.services;
  const before = clock.now();
  const r = await db.raw('select extract(epoch from clock_timestamp()) * 1000 as ms');
  const dbMs = Number((r.rows ?? r)[0].ms);
  const skewMs = Math.round(dbMs - (before + clock.now()) / 2);
  const seen = `the database server's clock is ${describeSkew(skewMs)} this server's`;
  if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS)
    return fail('config.clock_db', {
      message: seen,
      fix:
        'Turn on time synchronisation (NTP) on both servers, e.g. `timedatectl ' +
        'set-ntp true`; expiry times and TOTP codes depend on it.',
      details: { skew_ms: skewMs },
    });
  return pass('config.clock_db', { message: seen, details: { skew_ms: skewMs } });
}

export function describeSkew(skewMs: number): string {
  const s = Math.round(Math.abs(skewMs) / 1000);
  if (s === 0) return 'within a second of';
  return `${s} s ${skewMs > 0 ? 'ahead of' : 'behind'}`;
}
