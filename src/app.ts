import Koa from 'koa';
import mount from 'koa-mount';
import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Config } from './config/config.js';
import type { Db } from './db/create-db.js';
import type { Logger } from './logging/logger.js';
import { requestLog } from './logging/request-log.js';
import { healthRoutes } from './health/health-routes.js';
import { errorHandler } from './errors/error-handler.js';
import { issuerHost } from './security/issuer-host.js';
import { originFormOnly } from './security/origin-form-only.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  provider: Provider;
  /** Routers of the feature areas (interactions, gateway…), mounted before the provider. */
  routers?: Router[];
  /** `/metrics` for a bearer token (METRICS_TOKEN), when configured. */
  metrics?: Koa.Middleware;
  /** Blocked IPs and denied countries: before every route but health and metrics. */
  gate?: Koa.Middleware;
  isShuttingDown?: () => boolean;
}

/** Middleware order and mounts only; behaviour lives in the mounted modules. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: deps.config.trustProxy });
  // Same keys as the provider, or interaction cookies signed by one fail to verify in the other.
  app.keys = [...deps.config.cookieKeys];
  app.silent = true;

  app.use(issuerHost(deps.config.issuer));
  app.use(requestLog(deps.logger));
  app.use(originFormOnly());
  // While draining on SIGTERM, answer in-flight requests and close their keep-alive connections.
  app.use(async (ctx, next) => {
    await next();
    if (deps.isShuttingDown?.()) ctx.set('Connection', 'close');
  });
  app.use(errorHandler());
  const health = healthRoutes({ db: deps.db, isShuttingDown: deps.isShuttingDown ?? (() => false) });
  app.use(health.routes());
  if (deps.metrics) app.use(deps.metrics);
  if (deps.gate) app.use(deps.gate);
  for (const router of deps.routers ?? []) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(mount(deps.provider));
  return app;
}
