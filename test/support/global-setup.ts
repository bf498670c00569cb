import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One temporary root per test run: every data dir and scratch file a test makes lives under it,
// and it goes when the run ends (test workers may be killed before their own exit hooks run).
export function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'bridge-tests-'));
  process.env.BRIDGE_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}
