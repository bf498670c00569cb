import type { TestServer } from './test-server.js';
import { freePort, startServerProcess } from './server-process.js';
import { testEnv } from './test-env.js';

/**
 * A second instance as a real server process (`npm start`'s entry point) on the test server's
 * PostgreSQL database, with its keys and audience. Caches live a minute without notifications, so
 * a change it sees within a second came by NOTIFY.
 */
export async function startSiblingProcess(a: TestServer, env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startServerProcess({
    ...testEnv(env),
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: url,
    API_AUDIENCE: a.config.apiAudience,
    DATABASE_URL: a.testDb.url!,
    ENCRYPTION_KEY: a.config.encryptionKeys[0]!.toString('base64'),
    LOG_LEVEL: 'info',
    CACHE_FALLBACK_TTL_MS: '60000',
  });
  await proc.listening;
  return { proc, url };
}
