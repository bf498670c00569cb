import type { AuditEventType } from '../audit/audit-events.js';
import type { AdminCore } from './admin-deps.js';
import type { AdminRecord } from './admin-store.js';

/** Where a sign-in step came from: the address, and the request (its audit rows take the rest from it). */
export type SignInOrigin = string | null | { ip: string | null; requestId?: string | null };

export const originOf = (from: SignInOrigin) =>
  from !== null && typeof from === 'object' ? { ip: from.ip, requestId: from.requestId ?? null } : { ip: from };

/** Locked until a time still ahead. */
export const isLockedAt = (a: AdminRecord, now: number) => a.lockedUntil !== null && a.lockedUntil.getTime() > now;

/**
 * One failed password, code or passkey: counted toward the lockout (every factor shares one
 * counter, so switching factors buys no extra guesses), audited, and the lock audited when placed.
 */
export async function recordFailedAttempt(
  core: AdminCore,
  admin: AdminRecord,
  from: SignInOrigin,
  event: { type: AuditEventType; details?: Record<string, unknown> },
): Promise<{ locked: boolean }> {
  const { clock, audit, config } = core.deps;
  const lockUntil = new Date(clock.now() + config.adminLockoutMinutes * 60_000);
  const { locked } = await core.store.recordFailure(
    admin.id,
    config.adminLockoutThreshold,
    lockUntil,
    new Date(clock.now()),
  );
  await audit?.record({ ...event, outcome: 'failure', actor: admin.username, ...originOf(from) });
  if (locked)
    await audit?.record({
      type: 'admin.locked',
      outcome: 'info',
      actor: admin.username,
      ...originOf(from),
      details: { until: lockUntil.toISOString() },
    });
  return { locked };
}
