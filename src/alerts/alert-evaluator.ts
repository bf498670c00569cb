import type { Db } from '../db/create-db.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { AlertRuleName, AlertsConfig } from '../config/alerts-config.js';
import type { ActiveHours, AlertRule, OpenAdminSession, RuleInput } from './alert-rule.js';
import { recordAlert } from './alert-outbox.js';
import { bulkReadsRule, signinFailuresRule, tokenFailuresRule } from './burst-rules.js';
import { volumeSpikeRule } from './volume-rule.js';
import { deniedCountryRule, newOriginRule } from './origin-rules.js';
import { activeHoursRule } from './active-hours-rule.js';
import { longSessionRule } from './long-session-rule.js';

/** pg_try_advisory_xact_lock key of the evaluator: one instance evaluates at a time (any constant of ours). */
const EVALUATOR_LOCK = 1_504_151_715;
/** Audit rows per evaluation transaction: a long backlog is worked off in several short ones. */
const BATCH_ROWS = 10_000;

/** null rule name: runs always and checks its rules itself (the origins' baseline is learnt regardless). */
const RULES: [AlertRuleName | null, AlertRule][] = [
  ['signin_failures', signinFailuresRule],
  ['token_failures', tokenFailuresRule],
  ['volume_spike', volumeSpikeRule],
  [null, newOriginRule],
  ['denied_country', deniedCountryRule],
  ['bulk_reads', bulkReadsRule],
  ['outside_active_hours', activeHoursRule],
  ['long_session', longSessionRule],
];

export interface EvaluatorDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: AlertsConfig;
  activeHoursFor: (clientId: string) => ActiveHours | null | Promise<ActiveHours | null>;
  openAdminSessions: () => Promise<OpenAdminSession[]>;
  /** Told each rule whose alert was recorded (the metrics' bridge_alerts_total). */
  onRaised?: (rule: string) => void;
}

export interface EvaluationResult {
  /** Alerts recorded (deduplicated ones not counted). */
  raised: number;
  /** The cursor after the run: the last audit row id judged. */
  cursor: number;
  /** Another instance held the evaluator lock (or moved the cursor meanwhile). */
  skipped: boolean;
}

/**
 * The rules over the audit trail (every instance's rows), run by one instance at a time under an
 * advisory lock, from a cursor in alert_cursor that moves in the same transaction as the alerts it
 * raised: a restart neither misses rows nor judges them twice.
 */
export function createAlertEvaluator(deps: EvaluatorDeps) {
  const { db, clock, logger, config } = deps;
  const enabled = (rule: AlertRuleName) => !config.disabledRules.includes(rule);

  async function readCursor(): Promise<number> {
    const row = await db('alert_cursor').where({ name: 'evaluator' }).first();
    if (row) return Number(row.last_event_id);
    await db('alert_cursor')
      .insert({ name: 'evaluator', last_event_id: 0, updated_at: new Date(clock.now()) })
      .onConflict('name')
      .ignore();
    return readCursor();
  }

  /**
   * The last id of the settled rows after `cursor`: a row younger than ALERT_EVAL_SETTLE_MS may have
   * neighbours with lower ids still being written by another instance, so the run stops before it.
   */
  async function settledUpTo(cursor: number, now: number): Promise<number> {
    const cutoff = new Date(now - config.evalSettleMs);
    const res = await db.raw(
      `select (select min(id) from audit_events where id > ? and at > ?) as unsettled,
              (select max(id) from audit_events) as last`,
      [cursor, cutoff],
    );
    const { unsettled, last } = res.rows[0] as { unsettled: string | null; last: string | null };
    const upTo = unsettled != null ? Number(unsettled) - 1 : Number(last ?? 0);
    return Math.max(cursor, Math.min(upTo, cursor + BATCH_ROWS));
  }

  /** Fetched before the transaction: these read through other folders' services (other connections). */
  async function hoursOfClients(fromId: number, toId: number): Promise<Map<string, ActiveHours>> {
    const hours = new Map<string, ActiveHours>();
    if (!enabled('outside_active_hours') || toId <= fromId) return hours;
    const clients: { client_id: string }[] = await db('audit_events')
      .distinct('client_id')
      .where({ type: 'gateway.call' })
      .whereNotNull('client_id')
      .where('id', '>', fromId)
      .where('id', '<=', toId);
    for (const { client_id } of clients) {
      try {
        const h = await deps.activeHoursFor(client_id);
        if (h) hours.set(client_id, h);
      } catch (err) {
        logger.warn('alert rule: active hours unavailable', { clientId: client_id, err: (err as Error).message });
      }
    }
    return hours;
  }

  async function sessions(): Promise<OpenAdminSession[]> {
    if (!enabled('long_session')) return [];
    try {
      return await deps.openAdminSessions();
    } catch (err) {
      logger.warn('alert rule: admin sessions unavailable', { err: (err as Error).message });
      return [];
    }
  }

  async function runBatch(openSessions: OpenAdminSession[]): Promise<EvaluationResult & { more: boolean }> {
    const now = clock.now();
    const fromId = await readCursor();
    const toId = await settledUpTo(fromId, now);
    const activeHours = await hoursOfClients(fromId, toId);
    const recorded: string[] = [];
    const result = await db.transaction(async (trx) => {
      const skipped = { raised: 0, cursor: fromId, skipped: true, more: false };
      const lock = await trx.raw('select pg_try_advisory_xact_lock(?) as ok', [EVALUATOR_LOCK]);
      if (!lock.rows[0].ok) return skipped; // another instance is evaluating
      // It may have finished this range between our reading the cursor and taking the lock.
      const current = await trx('alert_cursor').where({ name: 'evaluator' }).forUpdate().first();
      if (Number(current?.last_event_id) !== fromId) return skipped;
      const input: RuleInput = { trx, fromId, toId, now: new Date(now), config, activeHours, openSessions, enabled };
      let raised = 0;
      for (const [name, rule] of RULES) {
        if (name && !enabled(name)) continue;
        if (toId <= fromId && name !== 'long_session') continue;
        // A savepoint per rule: one failing rule is logged and skipped, the others still count.
        const mine: string[] = [];
        await trx
          .transaction(async (sp) => {
            for (const alert of await rule({ ...input, trx: sp })) {
              if (await recordAlert(sp, alert, { now: input.now, dedupWindowS: config.dedupWindowS }))
                mine.push(alert.rule);
            }
          })
          .then(() => {
            raised += mine.length;
            recorded.push(...mine);
          })
          .catch((err) => logger.error('alert rule failed', { rule: name ?? 'origins', err: (err as Error).message }));
      }
      await trx('alert_cursor').where({ name: 'evaluator' }).update({ last_event_id: toId, updated_at: input.now });
      return { raised, cursor: toId, skipped: false, more: toId - fromId >= BATCH_ROWS };
    });
    for (const rule of recorded) deps.onRaised?.(rule); // committed
    return result;
  }

  return {
    /** Judges every settled audit row not judged yet (in batches), and the open sessions once. */
    async evaluateNow(): Promise<EvaluationResult> {
      let openSessions = await sessions();
      const total: EvaluationResult = { raised: 0, cursor: 0, skipped: false };
      for (;;) {
        const run = await runBatch(openSessions);
        openSessions = [];
        total.raised += run.raised;
        total.cursor = run.cursor;
        total.skipped = run.skipped;
        if (!run.more || run.skipped) return total;
      }
    },
  };
}

export type AlertEvaluator = ReturnType<typeof createAlertEvaluator>;
