// Which file runs the product server, the CLI and the emulator: the production build when there is
// one (`npm run build` → dist/), else the TypeScript sources through tsx (said so in the report).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EntryPoint {
  command: string;
  args: string[];
  built: boolean;
}

/** `node dist/<path>.js` when built, else `node --import tsx <path>.ts`. */
export function entryPoint(sourcePath: string): EntryPoint {
  const built = join(REPO_ROOT, 'dist', sourcePath.replace(/\.ts$/, '.js'));
  if (existsSync(built)) return { command: process.execPath, args: [built], built: true };
  return { command: process.execPath, args: ['--import', 'tsx', join(REPO_ROOT, sourcePath)], built: false };
}

/** A bench helper script under test/bench (always TypeScript through tsx). */
export function benchScript(name: string, extraNodeArgs: string[] = []): EntryPoint {
  return {
    command: process.execPath,
    args: [...extraNodeArgs, '--import', 'tsx', join(REPO_ROOT, 'test', 'bench', name)],
    built: false,
  };
}

export const PRODUCT_SERVER = 'src/main.ts';
export const PRODUCT_CLI = 'src/cli/index.ts';
export const EMULATOR = 'tools/magento-emulator/main.ts';
