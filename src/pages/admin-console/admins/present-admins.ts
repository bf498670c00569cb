import type { AdminSession } from '../../../admins/admin-sessions.js';
import type { AdminSummary } from '../../../admins/admin-management.js';
import type { ConsoleSessionInfo } from '../../../admins/console-sessions.js';
import { AppError } from '../../../errors/app-error.js';
import { formatAge, timeOf } from '../grants/format-when.js';

export const adminHref = (username: string) => `/admin/admins/${encodeURIComponent(username)}`;

export function presentAdmin(a: AdminSummary) {
  return {
    id: a.id,
    username: a.username,
    role: a.role,
    totpEnrolled: a.totpEnrolled,
    disabled: a.disabled,
    lockedUntil: timeOf(a.lockedUntil ? new Date(a.lockedUntil) : null),
    lastLogin: timeOf(a.lastLoginAt ? new Date(a.lastLoginAt) : null),
    created: timeOf(new Date(a.createdAt))!,
    href: adminHref(a.username),
  };
}

/** One row of the sessions table: a console session or a consent-page (sign-in pages) session. */
export interface SessionRow {
  kind: 'console' | 'consent';
  kindLabel: string;
  id: string;
  admin: string;
  ip: string | null;
  country: string | null;
  userAgent: string | null;
  started: { iso: string; text: string } | null;
  age: string | null;
  lastSeen: { iso: string; text: string } | null;
  current: boolean;
}

export function presentSessions(input: {
  console: ConsoleSessionInfo[];
  consent: AdminSession[];
  usernames: Map<string, string>;
  currentRef: string;
  now: number;
}): SessionRow[] {
  const rows: SessionRow[] = input.console.map((s) => ({
    kind: 'console',
    kindLabel: 'Admin console',
    id: s.ref,
    admin: input.usernames.get(s.adminId) ?? s.adminId,
    ip: s.ip,
    country: s.country,
    userAgent: s.userAgent,
    started: timeOf(s.createdAt),
    age: formatAge(s.createdAt, input.now),
    lastSeen: timeOf(s.lastSeenAt),
    current: s.ref === input.currentRef,
  }));
  for (const s of input.consent)
    rows.push({
      kind: 'consent',
      kindLabel: 'Sign-in pages (consent)',
      id: s.sessionId,
      admin: s.adminUsername ?? s.adminId,
      // oidc-provider's sessions do not record where they came from.
      ip: null,
      country: null,
      userAgent: null,
      started: timeOf(s.signedInAt),
      age: s.signedInAt ? formatAge(s.signedInAt, input.now) : null,
      lastSeen: null,
      current: false,
    });
  return rows;
}

/** Which form field an admin-management error belongs to (shown in words next to it). */
export function fieldOfError(err: unknown): { field: string; message: string } | null {
  if (!(err instanceof AppError) || !err.code.startsWith('admins.')) return null;
  const field =
    err.code === 'admins.weak_password'
      ? 'password'
      : err.code === 'admins.invalid_role'
        ? 'role'
        : err.code === 'admins.last_admin'
          ? 'form'
          : 'username';
  return { field, message: err.message };
}
