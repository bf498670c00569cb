import { UnknownKeyError } from '../security/secret-box.js';
import { isAppError } from '../errors/app-error.js';

/** What an entry point prints and exits with when it cannot start (sysexits.h codes). */
export interface StartupFailure {
  exitCode: 78 | 69;
  message: string;
}

export const EX_CONFIG = 78;
export const EX_UNAVAILABLE = 69;

interface Where {
  databaseUrl: string | null;
  port?: number;
  host?: string;
}

type Coded = Error & { code?: string; errors?: unknown[]; cause?: unknown; syscall?: string };

/** The error and everything it wraps (knex and net wrap the useful one in cause/errors). */
function* chain(err: unknown, depth = 0): Generator<Coded> {
  if (!err || typeof err !== 'object' || depth > 5) return;
  yield err as Coded;
  const e = err as Coded;
  if (e.cause) yield* chain(e.cause, depth + 1);
  for (const inner of e.errors ?? []) yield* chain(inner, depth + 1);
}

/** The URL without its password, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * Turns the failures a person can fix (port taken, database unreachable or misnamed, a changed
 * ENCRYPTION_KEY) into one line naming the variable and the fix; anything else is a bug and
 * keeps its stack (null).
 */
export function describeStartupFailure(err: unknown, where: Where): StartupFailure | null {
  const db = where.databaseUrl ? `DATABASE_URL (${describeDatabaseUrl(where.databaseUrl)})` : 'the embedded database';
  for (const e of chain(err)) {
    if (isAppError(e) && e.code === 'config.invalid_data_file') return { exitCode: EX_CONFIG, message: e.message };
    if (e instanceof UnknownKeyError) {
      return {
        exitCode: EX_CONFIG,
        message:
          `ENCRYPTION_KEY is not the key this database was encrypted with (no configured key with id ${e.keyId}). ` +
          'Set ENCRYPTION_KEY back to that key, or keep the new one and list the old one in ENCRYPTION_KEYS_OLD.',
      };
    }
    switch (e.code) {
      case 'EADDRINUSE':
        return {
          exitCode: EX_UNAVAILABLE,
          message:
            `PORT ${where.port} on ${where.host ?? 'this host'} is already in use: stop the other ` +
            `process or set PORT to a free port.`,
        };
      case 'EACCES':
        if (e.syscall === 'listen')
          return {
            exitCode: EX_CONFIG,
            message: `PORT ${where.port} needs privileges this process does not have: set PORT above 1023.`,
          };
        break;
      case 'ECONNREFUSED':
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        if (e.syscall === 'listen') break;
        return {
          exitCode: EX_UNAVAILABLE,
          message: `cannot reach the database at ${db}: ${e.code}. Start PostgreSQL there or correct DATABASE_URL.`,
        };
      case '3D000': // invalid_catalog_name
        return {
          exitCode: EX_CONFIG,
          message: `the database named in ${db} does not exist: create it (createdb) or correct DATABASE_URL.`,
        };
      case '28000': // invalid_authorization_specification (unknown role, pg_hba refusal)
      case '28P01': // invalid_password
        return {
          exitCode: EX_CONFIG,
          message:
            `PostgreSQL refused the login in ${db}: ${e.message}. Correct the user and password ` + `in DATABASE_URL.`,
        };
      default:
        break;
    }
  }
  return null;
}
