import type { Dispatcher } from 'undici';
import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { Alert } from './alert.js';
import type { ActiveHours, OpenAdminSession } from './alert-rule.js';
import { recordAlert } from './alert-outbox.js';
import { createAlertEvaluator, type EvaluationResult } from './alert-evaluator.js';
import { createAlertDeliverer } from './alert-deliverer.js';
import { acknowledgeAlert, deliveryStatus, openAlerts, type DeliveryStatus, type OpenAlert } from './alert-inbox.js';

export interface AlertsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  config: AlertsConfig;
  /** The hours a client may call in (the client registry's field); null or absent: any time. */
  activeHoursFor?: (clientId: string) => ActiveHours | null | Promise<ActiveHours | null>;
  /** Admin sign-in sessions still open (src/admins, which this folder may not import). */
  openAdminSessions?: () => Promise<OpenAdminSession[]>;
  /** Tests route the webhook through their own dispatcher; default undici's global one. */
  dispatcher?: Dispatcher;
  /** Told each alert recorded, by raise() or a rule (the metrics' bridge_alerts_total). */
  onRaised?: (rule: string) => void;
}

export interface AlertsService {
  /**
   * Records an alert (outbox + `alert.raised`) unless its dedupKey was raised within the window.
   * Never rejects and never needs awaiting (`void alerts.raise(…)`): resolves with the alert's id,
   * or null when deduplicated or not recorded (then the error is logged).
   */
  raise(alert: Alert): Promise<string | null>;
  /** Runs the rules over what the audit trail gained since the last run (any instance's). */
  evaluateNow(): Promise<EvaluationResult>;
  /** Sends the due outbox rows now; resolves with how many were delivered. */
  deliverNow(): Promise<number>;
  /** Starts the evaluator (ALERT_EVAL_INTERVAL_MS) and the deliverer (with ALERT_WEBHOOK_URL) loops. */
  start(): void;
  /** Stops the loops and waits for what they and raise() have in flight. */
  stop(): Promise<void>;
  /** Incidents not yet acknowledged, most recent first (alert-inbox.ts). */
  open(): Promise<OpenAlert[]>;
  /**
   * Acknowledges the incident of alert `id` (every open row of its dedup key), audited as
   * `alert.acknowledged` with `by` as actor. False when `id` is unknown or already acknowledged.
   */
  acknowledge(id: string, by: string): Promise<boolean>;
  /** The webhook's delivery status (never its secret, nor its URL beyond the host). */
  deliveryStatus(): Promise<DeliveryStatus>;
}

/** Anomaly alerts (issue 15): rules over the audit trail, a durable outbox, a signed webhook. */
export function createAlerts(deps: AlertsDeps): AlertsService {
  const { db, clock, logger, config } = deps;
  const evaluator = createAlertEvaluator({
    db,
    clock,
    logger,
    config,
    activeHoursFor: deps.activeHoursFor ?? (() => null),
    openAdminSessions: deps.openAdminSessions ?? (async () => []),
    onRaised: deps.onRaised,
  });
  const deliverer = createAlertDeliverer({
    db,
    clock,
    logger,
    audit: deps.audit,
    webhook: config.webhook,
    dispatcher: deps.dispatcher,
  });
  const inFlight = new Set<Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];
  let started = false;
  let kicked = false;

  /** Runs `job` unless the same loop is still busy; errors go to the log, never to a caller. */
  function guarded(name: string, job: () => Promise<unknown>) {
    let running: Promise<unknown> | null = null;
    return () => {
      if (running) return running;
      running = job()
        .catch((err) => logger.error(`alert ${name} failed`, { err: (err as Error).message }))
        .finally(() => {
          inFlight.delete(running!);
          running = null;
        });
      inFlight.add(running);
      return running;
    };
  }
  async function evaluateNow(): Promise<EvaluationResult> {
    const result = await evaluator.evaluateNow();
    if (result.raised) kick();
    return result;
  }
  const evaluateTick = guarded('evaluation', evaluateNow);
  const deliverTick = guarded('delivery', () => deliverer.deliverDue());

  /** A new alert goes out at once rather than at the next poll. */
  function kick() {
    if (!started || !config.webhook.url || kicked) return;
    kicked = true;
    const t = setTimeout(() => {
      kicked = false;
      timers.splice(timers.indexOf(t), 1);
      void deliverTick();
    }, 0);
    t.unref();
    timers.push(t);
  }

  function record(alert: Alert): Promise<string | null> {
    return db.transaction((trx) =>
      recordAlert(trx, alert, { now: new Date(clock.now()), dedupWindowS: config.dedupWindowS }),
    );
  }

  return {
    raise(alert) {
      const p = Promise.resolve()
        .then(() => {
          if (!alert?.rule || !alert.dedupKey || !alert.summary)
            throw new Error('an alert needs rule, summary, dedupKey');
          return record(alert);
        })
        .then(
          (id) => {
            if (id) {
              deps.onRaised?.(alert.rule);
              kick();
            }
            return id;
          },
          (err) => {
            logger.error('alert not recorded', {
              rule: alert?.rule,
              dedupKey: alert?.dedupKey,
              err: (err as Error).message,
            });
            return null;
          },
        );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    },
    evaluateNow,
    deliverNow: () => deliverer.deliverDue(),
    open: () => openAlerts(db),
    async acknowledge(id, by) {
      const done = await acknowledgeAlert(db, id, { by, now: new Date(clock.now()) });
      if (!done) return false;
      await deps.audit.record({
        type: 'alert.acknowledged',
        outcome: 'success',
        actor: by,
        details: { alertId: id, rule: done.rule, dedupKey: done.dedupKey, rows: done.count },
      });
      return true;
    },
    deliveryStatus: () => deliveryStatus(db, config.webhook),
    start() {
      if (started) return;
      started = true;
      if (config.evalIntervalMs > 0) timers.push(setInterval(() => void evaluateTick(), config.evalIntervalMs));
      if (config.webhook.url) timers.push(setInterval(() => void deliverTick(), config.webhook.pollIntervalMs));
      for (const t of timers) t.unref();
      // What a previous process left in the outbox goes out now, not a poll later.
      kick();
    },
    async stop() {
      started = false;
      for (const t of timers.splice(0)) clearTimeout(t);
      kicked = false;
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
