/** How urgent an alert is; the webhook receiver routes on it (page someone, open a ticket…). */
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** What raise() takes: one incident, named by `dedupKey` so repeats within the window are one alert. */
export interface Alert {
  /** The rule's name (ALERT_RULES for the evaluator's; e.g. `rate_limit_outage` for other callers). */
  rule: string;
  severity: AlertSeverity;
  clientId?: string | null;
  actor?: string | null;
  ip?: string | null;
  country?: string | null;
  /** One line for a human: what happened, to whom. */
  summary: string;
  /** Counts, thresholds, windows; credential-looking keys are redacted before it is stored. */
  details?: Record<string, unknown>;
  /** The incident: the same key within the dedup window raises nothing new. */
  dedupKey: string;
  /** Overrides ALERT_DEDUP_WINDOW_S for this incident (a session open for days is one incident). */
  dedupWindowS?: number;
}

/** The webhook body (and the outbox's payload): stable field names, documented in docs/operators.md. */
export interface AlertPayload {
  id: string;
  rule: string;
  severity: AlertSeverity;
  summary: string;
  clientId: string | null;
  actor: string | null;
  ip: string | null;
  country: string | null;
  details: Record<string, unknown>;
  dedupKey: string;
  raisedAt: string;
}
