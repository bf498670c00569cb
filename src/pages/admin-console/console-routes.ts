import Router from '@koa/router';
import { securityHeaders } from '../../security/security-headers.js';
import { createViewRenderer } from '../kit/view-renderer.js';
import { createConsoleGuard } from './console-guard.js';
import { consoleRenderer } from './console-nav.js';
import { consoleSignInRoutes } from './console-sign-in-routes.js';
import { mountAuditExport } from './audit/audit-export-route.js';
import type { ConsoleDeps } from './console-deps.js';

export type { ConsoleDeps };

/**
 * The admin console at /admin: its own sign-in (password, then a TOTP or recovery code) and session
 * cookie, the audit trail's export (audit/audit-export-route.ts), then the feature pages (deps.pages:
 * the overview at /admin, apps, audit…). Every POST carries a CSRF token.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const { config, sessions, auth, audit } = deps;
  const render = consoleRenderer(
    createViewRenderer({ viewsDir: deps.viewsDir, cache: config.production, brandName: config.brandName }),
    { idleMinutes: config.adminConsole.idleMinutes },
  );
  const guard = createConsoleGuard({
    production: config.production,
    sessions,
    auth,
    audit,
    render,
    passkeys: deps.passkeys,
  });
  const { signedIn } = guard;

  const router = new Router();
  router.use('/admin', securityHeaders({ production: config.production }));
  router.use('/admin', async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.use(consoleSignInRoutes({ ...deps, render, guard }).routes());

  // GET /admin (the overview) is a feature page (overview/overview-page.ts): it needs the services.
  mountAuditExport(router, signedIn, deps);
  for (const page of deps.pages ?? []) router.use(page(guard, render).routes());
  return router;
}
