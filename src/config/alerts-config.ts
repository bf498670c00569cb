import type { readers } from './env-readers.js';

/** Every rule the evaluator knows (ALERT_RULES_DISABLED names them); alerts raised by other code use their own. */
export const ALERT_RULES = [
  'signin_failures',
  'token_failures',
  'volume_spike',
  'new_network',
  'new_country',
  'denied_country',
  'admin_new_country',
  'bulk_reads',
  'outside_active_hours',
  'long_session',
] as const;

export type AlertRuleName = (typeof ALERT_RULES)[number];

export interface AlertsConfig {
  /** How often one instance evaluates the rules over the audit trail; 0 = never (ALERT_EVAL_INTERVAL_MS). */
  readonly evalIntervalMs: number;
  /** Audit rows younger than this wait for the next run, so a batch still being written is not skipped. */
  readonly evalSettleMs: number;
  /** The same incident (dedup key) raises one alert per this many seconds (ALERT_DEDUP_WINDOW_S). */
  readonly dedupWindowS: number;
  readonly disabledRules: readonly AlertRuleName[];
  readonly signinFailures: { readonly max: number; readonly windowS: number };
  readonly tokenFailures: { readonly max: number; readonly windowS: number };
  readonly volume: {
    readonly factor: number;
    readonly min: number;
    readonly windowS: number;
    readonly baselineDays: number;
  };
  readonly bulkReads: { readonly max: number; readonly windowS: number };
  readonly sessionMaxHours: number;
  readonly webhook: {
    /** null: alerts are audited and kept in the outbox, undelivered. */
    readonly url: string | null;
    readonly secret: string | null;
    readonly timeoutMs: number;
    /** Delay before retry n (the last one repeats), seconds; jitter adds up to 20 %. */
    readonly backoffS: readonly number[];
    readonly maxAttempts: number;
    readonly pollIntervalMs: number;
  };
}

/** ALERT_* variables (issue 15): the anomaly rules' thresholds and the webhook that carries their alerts. */
export function readAlertsConfig(r: ReturnType<typeof readers>, opts: { production: boolean }): AlertsConfig {
  const disabled = r.list('ALERT_RULES_DISABLED');
  const unknown = disabled.filter((n) => !(ALERT_RULES as readonly string[]).includes(n));
  if (unknown.length)
    r.fail('ALERT_RULES_DISABLED', `names unknown rules: ${unknown.join(', ')} (known: ${ALERT_RULES})`);
  const url = r.url('ALERT_WEBHOOK_URL', '') || null;
  if (url && opts.production && !url.startsWith('https://'))
    r.fail('ALERT_WEBHOOK_URL', 'must be an https:// URL when NODE_ENV=production');
  const secret = r.string('ALERT_WEBHOOK_SECRET', '') || null;
  if (secret !== null && secret.length < 32) r.fail('ALERT_WEBHOOK_SECRET', 'must be at least 32 characters');
  if (url && secret === null) r.fail('ALERT_WEBHOOK_SECRET', 'is required when ALERT_WEBHOOK_URL is set');
  const backoff = r.list('ALERT_WEBHOOK_BACKOFF_S');
  if (backoff.some((s) => !/^\d+$/.test(s) || Number(s) < 1))
    r.fail('ALERT_WEBHOOK_BACKOFF_S', 'must be comma-separated whole seconds, each at least 1');
  return {
    evalIntervalMs: r.int('ALERT_EVAL_INTERVAL_MS', 30_000, { min: 0 }),
    evalSettleMs: r.int('ALERT_EVAL_SETTLE_MS', 5_000, { min: 0, max: 600_000 }),
    dedupWindowS: r.int('ALERT_DEDUP_WINDOW_S', 3600, { min: 1 }),
    disabledRules: disabled.filter((n): n is AlertRuleName => (ALERT_RULES as readonly string[]).includes(n)),
    signinFailures: {
      max: r.int('ALERT_SIGNIN_FAILURES', 10, { min: 1 }),
      windowS: r.int('ALERT_SIGNIN_WINDOW_S', 300, { min: 1 }),
    },
    tokenFailures: {
      max: r.int('ALERT_TOKEN_FAILURES', 20, { min: 1 }),
      windowS: r.int('ALERT_TOKEN_WINDOW_S', 300, { min: 1 }),
    },
    volume: {
      factor: r.int('ALERT_VOLUME_FACTOR', 5, { min: 2 }),
      min: r.int('ALERT_VOLUME_MIN', 500, { min: 1 }),
      windowS: r.int('ALERT_VOLUME_WINDOW_S', 3600, { min: 60 }),
      baselineDays: r.int('ALERT_VOLUME_BASELINE_DAYS', 7, { min: 1, max: 90 }),
    },
    bulkReads: {
      max: r.int('ALERT_BULK_READS', 200, { min: 1 }),
      windowS: r.int('ALERT_BULK_WINDOW_S', 300, { min: 1 }),
    },
    sessionMaxHours: r.int('ALERT_SESSION_MAX_HOURS', 12, { min: 1 }),
    webhook: {
      url,
      secret,
      timeoutMs: r.int('ALERT_WEBHOOK_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
      backoffS: backoff.length ? backoff.map(Number) : [5, 30, 120, 600, 3600],
      maxAttempts: r.int('ALERT_WEBHOOK_MAX_ATTEMPTS', 12, { min: 1, max: 100 }),
      pollIntervalMs: r.int('ALERT_DELIVERY_INTERVAL_MS', 5_000, { min: 100 }),
    },
  };
}
