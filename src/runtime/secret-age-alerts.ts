import type { Services } from './services.js';

const DAY_MS = 86_400_000;

/**
 * Raises one `client_secret_age` alert per client secret older than CLIENT_SECRET_MAX_AGE_DAYS:
 * the row is marked first (a conditional update), so with several instances only one raises it,
 * and rotate-secret clears the mark for the new secret. Returns how many it raised.
 */
export async function alertOldSecrets(s: Pick<Services, 'db' | 'alerts' | 'clock' | 'config'>): Promise<number> {
  const now = new Date(s.clock.now());
  const cutoff = new Date(now.getTime() - s.config.securityOps.clientSecretMaxAgeDays * DAY_MS);
  const due: { client_id: string; name: string; issued: Date | string }[] = await s
    .db('oauth_clients')
    .select('client_id', 'name', s.db.raw('coalesce(secret_rotated_at, created_at) as issued'))
    .where({ auth_method: 'client_secret_basic', enabled: true })
    .whereNull('secret_age_alerted_at')
    .whereRaw('coalesce(secret_rotated_at, created_at) < ?', [cutoff]);
  let raised = 0;
  for (const c of due) {
    const claimed = await s
      .db('oauth_clients')
      .where({ client_id: c.client_id })
      .whereNull('secret_age_alerted_at')
      .update({ secret_age_alerted_at: now }, ['client_id']);
    if (!claimed.length) continue; // another instance took it
    const issued = new Date(c.issued);
    const ageDays = Math.floor((now.getTime() - issued.getTime()) / DAY_MS);
    await s.alerts.raise({
      rule: 'client_secret_age',
      severity: 'low',
      clientId: c.client_id,
      summary: `The secret of "${c.name}" is ${ageDays} days old: rotate it (clients:rotate-secret)`,
      details: { ageDays, maxAgeDays: s.config.securityOps.clientSecretMaxAgeDays, issuedAt: issued.toISOString() },
      dedupKey: `client_secret_age:${c.client_id}:${issued.toISOString()}`,
    });
    raised++;
  }
  return raised;
}
