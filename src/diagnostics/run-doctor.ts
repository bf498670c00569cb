// Runs the check table once: the server's checks, then each client's, every secret scrubbed.
import { readFileSync } from 'node:fs';
import { fail, type CheckResult } from './check-result.js';
import { CLIENT_CHECKS, SERVER_CHECKS } from './check-table.js';
import { storeTarget, type DoctorDeps, type DoctorRun } from './doctor-run.js';
import { scrubSecrets } from './secret-scrub.js';
import { createStoreHttp } from './store-http.js';

export interface DoctorReport {
  checks: CheckResult[];
}

/** A check that throws is a failure of its own, not of the run. */
async function guarded(id: string, clientId: string | null, fn: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    const r = await fn();
    return clientId && !('client_id' in r.details) ? { ...r, details: { ...r.details, client_id: clientId } } : r;
  } catch (err) {
    return fail(id, {
      message: `the check itself failed: ${(err as Error).message}`.slice(0, 400),
      fix: 'Run it again; if it keeps failing, report it with the server log.',
      details: clientId ? { client_id: clientId } : {},
    });
  }
}

function readCa(file: string | null): string[] {
  if (!file) return [];
  return readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** `clientId`: that client only; otherwise every enabled client. `actor`: who asked (audit). */
export async function runDoctor(
  deps: DoctorDeps,
  opts: { clientId?: string; actor?: string } = {},
): Promise<DoctorReport> {
  const { config, clients, links, clock, audit } = deps.services;
  const http = createStoreHttp({ extraCa: readCa(config.diagnostics.caFile), timeoutMs: config.diagnostics.timeoutMs });
  const results: CheckResult[] = [];
  const memo = new Map<string, Promise<unknown>>();
  const run: DoctorRun = {
    ...deps,
    store: storeTarget(config.magentoBaseUrl),
    http,
    results,
    storeDates: [],
    statusOf: (id, clientId) =>
      results.find((r) => r.id === id && (clientId === undefined || r.details.client_id === clientId))?.status,
    async send(url, init) {
      const at = clock.now();
      const res = await http.send(url, init);
      const date = Date.parse(res.headers.date ?? '');
      if (!Number.isNaN(date)) run.storeDates.push({ at: (at + clock.now()) / 2, date });
      return res;
    },
    memo<T>(key: string, compute: () => Promise<T>) {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as Promise<T>;
    },
  };
  try {
    for (const check of SERVER_CHECKS) results.push(await guarded(check.id, null, () => check.run(run)));
    const clientIds = opts.clientId
      ? [opts.clientId]
      : (await clients.list())
          .filter((c) => c.enabled && !c.name.startsWith('doctor check of '))
          .map((c) => c.clientId);
    for (const clientId of clientIds)
      for (const check of CLIENT_CHECKS)
        results.push(await guarded(check.id, clientId, () => check.run(run, clientId)));
    // Everything secret this run could have read, so none of it can leave in a message.
    const secrets: string[] = [
      ...config.encryptionKeys.flatMap((k) => [k.toString('base64'), k.toString('hex'), k.toString('base64url')]),
      ...config.cookieKeys,
      ...(config.metrics.token ? [config.metrics.token] : []),
      ...(config.databaseUrl ? [decodeURIComponent(new URL(config.databaseUrl).password)] : []),
    ];
    for (const clientId of clientIds) {
      const c = await links.activeCredentials(clientId).catch(() => null);
      if (c) secrets.push(c.consumerKey, c.consumerSecret, c.token, c.tokenSecret);
      const pending = await links.consumerCredentials(clientId).catch(() => null);
      if (pending) secrets.push(pending.consumerKey, pending.consumerSecret, pending.verifier);
    }
    const checks = scrubSecrets(results, secrets);
    const count = (s: CheckResult['status']) => checks.filter((c) => c.status === s).length;
    await audit.record({
      type: 'doctor.run',
      outcome: count('fail') ? 'failure' : 'success',
      actor: opts.actor ?? 'cli',
      clientId: opts.clientId ?? null,
      details: {
        pass: count('pass'),
        warn: count('warn'),
        fail: count('fail'),
        skip: count('skip'),
        failed: [...new Set(checks.filter((c) => c.status === 'fail').map((c) => c.id))],
      },
    });
    return { checks };
  } finally {
    await http.close();
  }
}

/** The console's entry: null for an unknown client (404), else the report. */
export function consoleDoctor(deps: DoctorDeps) {
  return async (opts: { clientId?: string; actor: string }): Promise<DoctorReport | null> => {
    if (opts.clientId && !(await deps.services.clients.get(opts.clientId))) return null;
    return runDoctor(deps, opts);
  };
}
