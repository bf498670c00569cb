import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dataDirs: string[] = [];
// Every test file runs in its own process: its data dirs go when it does.
process.once('exit', () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Environment for a test server: fresh keys and data dir, never the developer's. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-test-'));
  dataDirs.push(dataDir);
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // The emulator verifies RFC 5849 by default; tests of `auto` and the other lines ask for them.
    MAGENTO_SIGNING_PROFILE: 'rfc5849',
    ...overrides,
  };
}
