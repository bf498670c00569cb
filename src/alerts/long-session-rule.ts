import type { AlertRule } from './alert-rule.js';

/** A session stays one incident for as long as it can live: far longer than the usual dedup window. */
export const SESSION_DEDUP_WINDOW_S = 90 * 86_400;

/** Admin sign-in sessions open longer than ALERT_SESSION_MAX_HOURS: one alert per session. */
export const longSessionRule: AlertRule = async ({ now, config, openSessions }) => {
  const maxMs = config.sessionMaxHours * 3600_000;
  return openSessions
    .filter((s) => s.signedInAt && now.getTime() - s.signedInAt.getTime() > maxMs)
    .map((s) => {
      const hours = Math.floor((now.getTime() - s.signedInAt!.getTime()) / 3600_000);
      return {
        rule: 'long_session',
        severity: 'low' as const,
        actor: s.adminUsername,
        summary: `admin session of ${s.adminUsername ?? 'a deleted admin'} open for ${hours} h`,
        details: { sessionId: s.sessionId, signedInAt: s.signedInAt!.toISOString(), maxHours: config.sessionMaxHours },
        dedupKey: `long_session:${s.sessionId}`,
        dedupWindowS: SESSION_DEDUP_WINDOW_S,
      };
    });
};
