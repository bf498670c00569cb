// The report's header: what machine and which versions the numbers come from.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './entry-points.js';

export interface SystemInfo {
  date: string;
  cpuCount: number;
  cpuModel: string;
  node: string;
  postgres: string;
  oidcProvider: string;
  gitCommit: string;
  productServer: string;
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT }).length;
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export function systemInfo(postgres: string, productBuilt: boolean): SystemInfo {
  const oidcPkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/oidc-provider/package.json'), 'utf8')) as {
    version: string;
  };
  return {
    date: new Date().toISOString(),
    cpuCount: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    postgres,
    oidcProvider: oidcPkg.version,
    gitCommit: gitCommit(),
    productServer: productBuilt
      ? 'node dist/src/main.js (built)'
      : 'node --import tsx src/main.ts (NOT the built server)',
  };
}
