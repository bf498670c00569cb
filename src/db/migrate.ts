import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './create-db.js';
import type { SecretBox } from '../security/secret-box.js';

export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

/** What a migration that converts rows may need besides the database. */
export interface MigrationContext {
  /** Seals or opens values at rest; absent where no key is loaded (a fresh test database). */
  box?: SecretBox;
}

interface Migration {
  up(knex: Knex, ctx: MigrationContext): Promise<void>;
  down?(knex: Knex, ctx: MigrationContext): Promise<void>;
}

/**
 * Explicit migration source: knex's own loader guesses module formats by extension, which breaks
 * between tsx, vitest and plain node; importing by file URL works under all three.
 */
export function createMigrationSource(ctx: MigrationContext = {}): Knex.MigrationSource<string> {
  return {
    async getMigrations() {
      return readdirSync(migrationsDir)
        .filter((f) => /^\d+.*\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
        .sort();
    },
    getMigrationName(name) {
      return name.replace(/\.(ts|js)$/, '');
    },
    async getMigration(name) {
      const mod = (await import(pathToFileURL(join(migrationsDir, name)).href)) as Migration;
      return {
        up: (knex: Knex) => mod.up(knex, ctx),
        down: (knex: Knex) => (mod.down ? mod.down(knex, ctx) : Promise.resolve()),
      };
    },
  };
}

export const migrationSource = createMigrationSource();

/** `box`: migrations that seal existing rows need it (every caller that has a config passes it). */
export async function migrateLatest(db: Db, ctx: MigrationContext = {}): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: createMigrationSource(ctx) })) as [number, string[]];
  return applied;
}
