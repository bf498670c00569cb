import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { migrateLatest } from '../db/migrate.js';
import { type CliContext, type CommandTable, CliError } from './cli-context.js';

const seedsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'seeds');

export interface SeedModule {
  seed(ctx: CliContext): Promise<void>;
}

export const dbCommands: CommandTable = {
  'db:migrate': {
    summary: 'Apply pending migrations (the server also does this at start)',
    async run(ctx) {
      const applied = await migrateLatest(ctx.db, { box: ctx.box });
      ctx.io.out(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
      return 0;
    },
  },
  'db:seed': {
    summary: 'Load the demo data in seeds/ (development only)',
    async run(ctx) {
      if (ctx.config.production) {
        throw new CliError('refuses to run with NODE_ENV=production');
      }
      await migrateLatest(ctx.db, { box: ctx.box });
      const files = readdirSync(seedsDir)
        .filter((f) => /\.(ts|js)$/.test(f))
        .sort();
      for (const f of files) {
        const mod = (await import(pathToFileURL(join(seedsDir, f)).href)) as SeedModule;
        await mod.seed(ctx);
        ctx.io.out(`seeded ${f}`);
      }
      return 0;
    },
  },
};
