import type { ClientRecord } from './client-record.js';

const DAY_MS = 86_400_000;

export interface SecretAge {
  /** Whole days since the current secret was issued (creation or the last rotate-secret). */
  ageDays: number;
  /** Older than CLIENT_SECRET_MAX_AGE_DAYS: rotate it. */
  rotationDue: boolean;
}

/** The age of a client's secret, or null when it has none (public and private_key_jwt clients). */
export function secretAge(
  c: Pick<ClientRecord, 'authMethod' | 'createdAt' | 'secretRotatedAt'>,
  now: number,
  maxAgeDays: number,
): SecretAge | null {
  if (c.authMethod !== 'client_secret_basic') return null;
  const issued = (c.secretRotatedAt ?? c.createdAt).getTime();
  const ageDays = Math.floor((now - issued) / DAY_MS);
  return { ageDays, rotationDue: now - issued > maxAgeDays * DAY_MS };
}
