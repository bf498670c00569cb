// Which ACL resources an integration holds, learnt the only way Magento tells: a read-only GET
// per resource on a route needing just that resource. Magento checks the ACL before the service,
// so a made-up id answers "not found" when granted and "isn't authorized" when not.
import type { RouteDefinition } from '../api-catalog/route-table.js';
import type { UpstreamCredentials } from '../magento-link/link-store.js';
import type { DoctorRun } from './doctor-run.js';
import { signedGet, verdictOf, type CallVerdict } from './signed-call.js';

/** Routes tried per resource before giving up (a store without a module has no such route). */
const TRIES = 4;
const CONCURRENCY = 4;

export type ProbeOutcome = 'granted' | 'missing' | 'unknown';

export interface ProbeResults {
  outcomes: Map<string, ProbeOutcome>;
  /** A path the integration may GET (the bearer check reuses it). */
  allowedPath: string | null;
}

/** GET routes needing exactly this resource: those with an id in the path first (no list to read). */
export function probeRoutes(routes: readonly RouteDefinition[]): Map<string, RouteDefinition[]> {
  const byResource = new Map<string, RouteDefinition[]>();
  for (const r of routes) {
    if (r.method !== 'GET' || r.resources.length !== 1) continue;
    const resource = r.resources[0]!;
    if (resource === 'anonymous' || resource === 'self') continue;
    byResource.set(resource, [...(byResource.get(resource) ?? []), r]);
  }
  const rank = (r: RouteDefinition) => (r.url.includes(':') ? 0 : 100) + r.url.split('/').length;
  for (const list of byResource.values()) list.sort((a, b) => rank(a) - rank(b));
  return byResource;
}

const pathOf = (route: RouteDefinition) => `rest${route.url.replace(/:[A-Za-z_]+/g, '0')}`;

export async function probeResources(
  run: DoctorRun,
  clientId: string,
  creds: UpstreamCredentials,
  resources: readonly string[],
): Promise<ProbeResults> {
  const candidates = probeRoutes(run.services.routeTable);
  const out = new Map<string, ProbeOutcome>();
  let refused = false;
  let allowedPath: string | null = null;
  const probeOne = async (resource: string) => {
    for (const route of (candidates.get(resource) ?? []).slice(0, TRIES)) {
      if (refused) break;
      let verdict: CallVerdict;
      const path = pathOf(route);
      try {
        verdict = verdictOf(await signedGet(run, clientId, creds, path)).verdict;
      } catch {
        break;
      }
      if (verdict === 'no_route') continue;
      if (verdict === 'refused')
        refused = true; // the token itself is refused: link.token says so
      else out.set(resource, verdict === 'allowed' ? 'granted' : 'missing');
      if (verdict === 'allowed') allowedPath ??= path;
      break;
    }
    if (!out.has(resource)) out.set(resource, 'unknown');
  };
  const queue = [...resources];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let r = queue.shift(); r !== undefined; r = queue.shift()) await probeOne(r);
    }),
  );
  return { outcomes: out, allowedPath };
}

/** Resources some route can probe (the reverse check only asks about these). */
export function probeableResources(routes: readonly RouteDefinition[]): string[] {
  return [...probeRoutes(routes).keys()];
}
