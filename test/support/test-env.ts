import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under this test file's scratch directory (removed when the file ends: file-tmp.ts). */
export function testTmpDir(prefix: string): string {
  return mkdtempSync(join(process.env.BRIDGE_TEST_FILE_TMP ?? process.env.BRIDGE_TEST_TMP ?? tmpdir(), prefix));
}

/** Environment for a test server: fresh keys and data dir, never the developer's. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const dataDir = testTmpDir('data-');
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
