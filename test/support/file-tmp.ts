// Each test file gets its own scratch directory under the run's root (global-setup.ts), removed
// when the file ends: after the file's own afterAll hooks (hooks run as a stack), so its servers
// and databases are closed first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(process.env.BRIDGE_TEST_TMP ?? tmpdir(), 'file-'));
process.env.BRIDGE_TEST_FILE_TMP = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
