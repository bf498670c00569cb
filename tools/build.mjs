// `npm run build`: compiles src/, tools/, migrations/ and seeds/ to dist/ (same layout) and copies
// the JSON data files beside them. With --if-stale (npm start, npm run cli) it builds only when
// dist/ is missing or older than any source, so a fresh clone's first `npm start` just works.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

// npm runs scripts in the package's directory; that one (a copy of the project made of symlinks
// too) gets its own dist/, not the checkout the script file lives in.
const root = existsSync(join(process.cwd(), 'tsconfig.build.json'))
  ? process.cwd()
  : join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const SOURCE_DIRS = ['src', 'tools', 'migrations', 'seeds'];
const CONFIG_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

function newestSource() {
  let newest = 0;
  for (const f of CONFIG_FILES)
    newest = Math.max(newest, statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  for (const d of SOURCE_DIRS) for (const f of files(join(root, d))) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource();
}

function build() {
  const started = Date.now();
  // A stale output of a deleted source must not linger (a removed migration would still run).
  rmSync(dist, { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write('build failed: see the TypeScript errors above\n');
    process.exit(run.status ?? 1);
  }
  // Data read at run time next to the modules (route table, scope catalog, emulator routes).
  for (const d of ['src', 'tools']) {
    for (const f of files(join(root, d))) {
      if (f.endsWith('.json')) cpSync(f, join(dist, relative(root, f)));
    }
  }
  writeFileSync(stamp, new Date().toISOString() + '\n');
  process.stderr.write(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const lockDir = join(root, '.build-lock');

/** `npm start` and `npm run cli` started together must not both rebuild dist/ at once. */
async function withBuildLock(fn) {
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (!holderAlive()) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function holderAlive() {
  try {
    process.kill(Number(readFileSync(join(lockDir, 'pid'), 'utf8')), 0);
    return true;
  } catch (err) {
    // No pid yet: the holder is between mkdir and write; treat it as alive.
    return err.code === 'EPERM' || (err.code === 'ENOENT' && existsSync(lockDir));
  }
}

const ifStale = process.argv.includes('--if-stale');
if (!ifStale || isStale()) {
  await withBuildLock(() => {
    // Another process may have built it while this one waited.
    if (!ifStale || isStale()) build();
  });
}
