import type { Context } from 'koa';
import type { AdminManagement } from '../../../admins/admin-management.js';
import type { AdminSessions } from '../../../admins/admin-sessions.js';
import type { ConsoleSessions } from '../../../admins/console-sessions.js';
import type { AuditLog } from '../../../audit/audit-log.js';
import type { Clock } from '../../../clock.js';
import type { RenderPage } from '../../kit/view-renderer.js';
import type { ConsoleGuard } from '../console-guard.js';
import type { SessionRow } from './present-admins.js';

export interface AdminsPageDeps {
  management: AdminManagement;
  /** The consent (sign-in) pages' sessions. */
  adminSessions: AdminSessions;
  consoleSessions: ConsoleSessions;
  audit: AuditLog;
  clock: Clock;
  production: boolean;
}

export interface AdminsRouteKit {
  deps: AdminsPageDeps;
  guard: ConsoleGuard;
  render: RenderPage;
  /** The sessions table (every admin's, or one admin's). */
  sessionsOf(ctx: Context, adminId?: string): Promise<SessionRow[]>;
}
