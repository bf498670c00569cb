import type { Knex } from 'knex';
import type { AlertRuleName, AlertsConfig } from '../config/alerts-config.js';
import type { Alert } from './alert.js';

/** A client's allowed hours, local to `timeZone` (IANA); `start` > `end` spans midnight. */
export interface ActiveHours {
  start: string;
  end: string;
  timeZone: string;
}

export interface OpenAdminSession {
  sessionId: string;
  adminUsername: string | null;
  signedInAt: Date | null;
}

/**
 * One evaluator run: the audit rows with fromId < id <= toId are new; older rows are history.
 * Whatever needs another folder (clients' hours, admin sessions) was fetched before the
 * transaction, so a rule only queries `trx` (on PGlite, the one connection the run holds).
 */
export interface RuleInput {
  trx: Knex.Transaction;
  fromId: number;
  toId: number;
  now: Date;
  config: AlertsConfig;
  /** Clients with gateway calls in the new rows that have configured hours. */
  activeHours: Map<string, ActiveHours>;
  openSessions: OpenAdminSession[];
  /** Whether a rule may raise (ALERT_RULES_DISABLED); a disabled origin rule still learns the baseline. */
  enabled(rule: AlertRuleName): boolean;
}

export type AlertRule = (input: RuleInput) => Promise<Alert[]>;
