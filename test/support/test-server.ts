import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { loadConfig } from '../../src/config/load-config.js';
import { createFakeClock } from './fake-clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import type { Config } from '../../src/config/config.js';
import { createTestDb, type TestDb } from './test-db.js';
import { testEnv } from './test-env.js';

export interface TestServer {
  baseUrl: string;
  config: Config;
  runtime: Runtime;
  testDb: TestDb;
  clock: ReturnType<typeof createFakeClock>;
  request: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

/**
 * A real listening server on a random port whose issuer is its own URL, so real OAuth client
 * libraries can discover and call it. The clock is fake but starts at real time.
 */
export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    testDb?: TestDb;
    handshake?: RuntimeOptions['handshake'];
    /** Receives every log line (with LOG_LEVEL set in env), instead of stdout. */
    logWrite?: (line: string) => void;
  } = {},
): Promise<TestServer> {
  const testDb = opts.testDb ?? (await createTestDb());
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  // On PostgreSQL the server runs as in production there: rate limits in its database, not memory.
  const config = loadConfig(
    testEnv({ PORT: String(port), ISSUER: baseUrl, DATABASE_URL: testDb.url ?? undefined, ...opts.env }),
  );
  const clock = createFakeClock();
  const logger = createLogger({ level: config.logLevel, write: opts.logWrite });
  // What main.ts starts, on this server: the same composition root and the same start().
  const runtime = await createRuntime(config, {
    db: testDb.db,
    clock,
    logger,
    handshake: opts.handshake,
    changeFeedUrl: testDb.url,
  });
  await runtime.start({ server });
  return {
    baseUrl,
    config,
    runtime,
    testDb,
    clock,
    request: supertest(baseUrl),
    async close() {
      server.closeAllConnections();
      await runtime.stop();
      if (!opts.testDb) await testDb.destroy();
    },
  };
}
