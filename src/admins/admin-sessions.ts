import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/create-db.js';
import { deleteSessions, liveSessions } from '../oidc/postgres-adapter.js';
import type { AdminStore } from './admin-store.js';
import type { SecretBox } from '../security/secret-box.js';

export interface AdminSession {
  /** oidc-provider's session uid: names the session, is not the cookie value (that is only stored hashed). */
  sessionId: string;
  adminId: string;
  /** null when the admin was deleted meanwhile. */
  adminUsername: string | null;
  signedInAt: Date | null;
  expiresAt: Date | null;
}

/**
 * Admin sign-in sessions: oidc-provider Session rows (sealed payloads) that carry an account.
 * Deleting one makes that browser sign in again at its next authorization.
 */
export function createAdminSessions(deps: {
  db: Db;
  box: SecretBox;
  clock: Clock;
  admins: AdminStore;
  audit?: AuditLog;
}) {
  const { db, box, clock } = deps;

  async function all(): Promise<(AdminSession & { rowId: string })[]> {
    const sessions = (await liveSessions(db, box, clock)).flatMap((r) => {
      const p = r.payload;
      if (!p.accountId || !(r.uid ?? p.uid)) return []; // a browser that never signed in
      const expiresAt = r.expiresAt ?? (typeof p.exp === 'number' ? new Date(p.exp * 1000) : null);
      return [
        {
          rowId: r.rowId,
          sessionId: (r.uid ?? p.uid)!,
          adminId: p.accountId,
          adminUsername: null,
          signedInAt: typeof p.loginTs === 'number' ? new Date(p.loginTs * 1000) : null,
          expiresAt,
        },
      ];
    });
    const ids = [...new Set(sessions.map((s) => s.adminId))];
    const names = new Map<string, string>();
    for (const a of await deps.admins.findByIds(ids)) names.set(a.id, a.username);
    return sessions
      .map((s) => ({ ...s, adminUsername: names.get(s.adminId) ?? null }))
      .sort((a, b) => (b.signedInAt?.getTime() ?? 0) - (a.signedInAt?.getTime() ?? 0));
  }

  const strip = ({ rowId: _r, ...s }: AdminSession & { rowId: string }): AdminSession => s;

  async function remove(sessions: (AdminSession & { rowId: string })[], actor: string): Promise<AdminSession[]> {
    if (!sessions.length) return [];
    await deleteSessions(
      db,
      sessions.map((s) => s.rowId),
    );
    for (const s of sessions) {
      await deps.audit?.record({
        type: 'admin.session_revoked',
        outcome: 'success',
        actor,
        details: { admin: s.adminUsername ?? s.adminId, session: s.sessionId },
      });
    }
    return sessions.map(strip);
  }

  return {
    async list(filter: { adminId?: string } = {}): Promise<AdminSession[]> {
      return (await all()).filter((s) => !filter.adminId || s.adminId === filter.adminId).map(strip);
    },
    /** The session with this id; empty when there is none (or it expired). */
    async revokeSession(sessionId: string, actor: string): Promise<AdminSession[]> {
      return remove(
        (await all()).filter((s) => s.sessionId === sessionId),
        actor,
      );
    },
    async revokeForAdmin(adminId: string, actor: string): Promise<AdminSession[]> {
      return remove(
        (await all()).filter((s) => s.adminId === adminId),
        actor,
      );
    },
  };
}

export type AdminSessions = ReturnType<typeof createAdminSessions>;
