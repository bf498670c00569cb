import Router from '@koa/router';
import type { Db } from '../db/create-db.js';
import { pingDb } from '../db/create-db.js';

/** /healthz: the process answers. /readyz: it can also reach its database. */
export function healthRoutes(deps: { db: Db; isShuttingDown: () => boolean }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (deps.isShuttingDown()) {
      ctx.status = 503;
      ctx.body = { status: 'shutting_down' };
      return;
    }
    const dbOk = await pingDb(deps.db);
    ctx.status = dbOk ? 200 : 503;
    ctx.body = { status: dbOk ? 'ok' : 'unavailable', checks: { database: dbOk ? 'ok' : 'unreachable' } };
  });
  return router;
}
