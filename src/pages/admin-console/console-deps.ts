import type Router from '@koa/router';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { ConsoleSessions } from '../../admins/console-sessions.js';
import type { PasskeyService } from '../../admins/passkey-service.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/create-db.js';
import type { RateLimiter } from '../../rate-limits/rate-limiter.js';
import type { RenderPage } from '../kit/view-renderer.js';
import type { ConsoleGuard } from './console-guard.js';

export interface ConsoleDeps {
  db: Db;
  clock: Clock;
  config: Config;
  audit: AuditLog;
  auth: AdminAuth;
  sessions: ConsoleSessions;
  limiter: RateLimiter;
  viewsDir?: string;
  /** Passkey sign-in and step-up; absent, the console offers codes only. */
  passkeys?: PasskeyService;
  /** Feature pages of the console (each its own router), mounted behind the same guard. */
  pages?: ConsolePage[];
}

/**
 * A console feature page: its own router under /admin/…, given the guard (signedIn, ownerOnly,
 * sessionCsrf, stepUp) and the console's renderer (navigation, role, session).
 */
export type ConsolePage = (guard: ConsoleGuard, render: RenderPage) => Router;
