import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/read-env.js';
import { loadConfig } from '../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'bridge-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.env in the working directory', () => {
  it('is read, and the real environment wins over it', () => {
    writeFileSync(
      join(dir, '.env'),
      '# the bridge\nPORT=4100\nMAGENTO_BASE_URL="http://127.0.0.1:8090/"\nDATA_DIR=./state\nLOG_LEVEL=warn\n',
    );
    const env = readEnv({
      cwd: dir,
      env: {
        LOG_LEVEL: 'error',
        NODE_ENV: 'test',
        ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        COOKIE_KEYS: 'x'.repeat(32),
      },
    });
    expect(env).toMatchObject({
      PORT: '4100',
      MAGENTO_BASE_URL: 'http://127.0.0.1:8090/',
      DATA_DIR: './state',
      LOG_LEVEL: 'error',
    });
    const config = loadConfig(env);
    expect(config).toMatchObject({ port: 4100, magentoBaseUrl: 'http://127.0.0.1:8090/', logLevel: 'error' });
  });

  it('is optional', () => {
    const empty = mkdtempSync(join(dir, 'none-'));
    expect(readEnv({ cwd: empty, env: { PORT: '1' } })).toEqual({ PORT: '1' });
  });
});
