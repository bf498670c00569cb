// A PostgreSQL database of the bench's own, created at start and dropped at the end (even on failure).
// The embedded PGlite engine is never used: its numbers say nothing about a production deployment.
import knex, { type Knex } from 'knex';

export interface ScratchDatabase {
  name: string;
  /** Connection URL of the scratch database (what DATABASE_URL is for the product). */
  url: string;
  serverVersion: string;
  drop: () => Promise<void>;
}

export class NoPostgresError extends Error {}

async function withAdmin<T>(adminUrl: string, fn: (db: Knex) => Promise<T>): Promise<T> {
  const db = knex({
    client: 'pg',
    connection: { connectionString: adminUrl },
    pool: { min: 0, max: 1 },
    acquireConnectionTimeout: 5000,
  });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  if (!/^postgres(ql)?:\/\//.test(adminUrl))
    throw new NoPostgresError(`DATABASE_URL must be a postgres:// URL (the bench refuses PGlite), not "${adminUrl}"`);
  const name = `bridge_bench_${Date.now()}_${process.pid}`;
  let serverVersion: string;
  try {
    serverVersion = await withAdmin(adminUrl, async (c) => {
      const v = (await c.raw<{ rows: { server_version: string }[] }>('show server_version')).rows[0]!.server_version;
      await c.raw(`create database "${name}"`);
      return v;
    });
  } catch (err) {
    throw new NoPostgresError(
      `no PostgreSQL server answers at ${redact(adminUrl)} (${(err as Error).message}); the bench needs ` +
        'PostgreSQL (it refuses PGlite): set DATABASE_URL to an admin connection',
    );
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    serverVersion,
    drop: () =>
      withAdmin(adminUrl, async (c) => {
        await c.raw(`drop database if exists "${name}" with (force)`);
      }),
  };
}

export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
