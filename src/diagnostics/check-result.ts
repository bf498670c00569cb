// One diagnostic's answer: a stable id, a status, what was seen, and what the store owner should do.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable (scripts match on it): `family.what`, e.g. `store.tls`, `link.acl_missing`. */
  id: string;
  status: CheckStatus;
  /** One line naming what was seen (never a secret). */
  message: string;
  /** For a store owner: what to click or change, and where; empty when nothing is to be done. */
  fix: string;
  details: Record<string, unknown>;
}

type Outcome = Omit<CheckResult, 'id' | 'status'>;
type Partial = { message: string; fix?: string; details?: Record<string, unknown> };

const outcome = (o: Partial): Outcome => ({ message: o.message, fix: o.fix ?? '', details: o.details ?? {} });

export const pass = (id: string, o: Partial): CheckResult => ({ id, status: 'pass', ...outcome(o) });
export const warn = (id: string, o: Partial): CheckResult => ({ id, status: 'warn', ...outcome(o) });
export const fail = (id: string, o: Partial): CheckResult => ({ id, status: 'fail', ...outcome(o) });
/** Not run: `why` says which earlier finding (or missing setting) made it pointless. */
export const skip = (id: string, why: string, details: Record<string, unknown> = {}): CheckResult => ({
  id,
  status: 'skip',
  message: `skipped: ${why}`,
  fix: '',
  details,
});

/** 0 every check passed (or was skipped), 1 at least one failed, 2 only warnings. */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 | 2 {
  if (results.some((r) => r.status === 'fail')) return 1;
  if (results.some((r) => r.status === 'warn')) return 2;
  return 0;
}
