import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './create-db.js';

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

interface Migration {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/**
 * Explicit migration source: knex's own loader guesses module formats by extension, which breaks
 * between tsx, vitest and plain node; importing by file URL works under all three.
 */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(migrationsDir).filter((f) => /^\d+.*\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
  },
  getMigrationName(name) {
    return name.replace(/\.(ts|js)$/, '');
  },
  async getMigration(name) {
    const mod = (await import(pathToFileURL(join(migrationsDir, name)).href)) as Migration;
    return { up: mod.up, down: mod.down ?? (async () => undefined) };
  },
};

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
