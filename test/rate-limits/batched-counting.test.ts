// Large budgets on a shared store are counted in batches (one store call per key per flush, not per
// hit). Two limiters play two instances: together they admit the budget (plus at most what they
// admit between two flushes), and every hit reaches the store.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimiterBackend, type LimiterBackend } from '../../src/rate-limits/limiter-backend.js';
import { BATCH_MIN_BUDGET, createRateLimiter } from '../../src/rate-limits/rate-limiter.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const onPostgres = Boolean(process.env.DATABASE_URL);
const stores: ('redis' | 'postgres')[] = onPostgres ? ['redis', 'postgres'] : ['redis'];

describe.each(stores)('batched counting on %s', (kind) => {
  let t: TestDb | null = null;
  const backends: LimiterBackend[] = [];
  beforeAll(async () => {
    if (kind === 'postgres') t = await createTestDb();
  });
  afterAll(async () => {
    for (const b of backends) await b.close();
    await t?.destroy();
  });

  it('two instances admit the budget between them, and the store has every hit', async () => {
    const clock = createFakeClock();
    const keyPrefix = `t${randomBytes(6).toString('hex')}`;
    const instance = () => {
      const backend = createLimiterBackend({ kind, db: t?.db, redisUrl: 'redis://127.0.0.1:6379', keyPrefix });
      backends.push(backend);
      return createRateLimiter({ backend, clock });
    };
    const [a, b] = [instance(), instance()];
    expect(await a.ready()).toBe(true); // connected, as the server is before it listens
    expect(await b.ready()).toBe(true);
    const budget = { max: 200, windowSeconds: 3600 };
    expect(budget.max).toBeGreaterThanOrEqual(BATCH_MIN_BUDGET);
    let allowed = 0;
    for (let i = 0; i < 300; i++) {
      if ((await (i % 2 ? a : b).hit('gateway:erp', budget)).allowed) allowed++;
      // Between bursts of 20 the flushes (every 50 ms) bring each instance the other's count.
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 70));
    }
    expect(allowed).toBeGreaterThanOrEqual(200);
    expect(allowed).toBeLessThanOrEqual(240);
    await a.flush();
    await b.flush();
    expect((await a.peek('gateway:erp', budget))?.hits).toBe(300);
  });
});
