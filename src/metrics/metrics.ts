import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the audit trail tells the metrics (every security event passes through it). */
export interface AuditedEvent {
  type: string;
  outcome: string;
  details?: Record<string, unknown>;
}

export interface Metrics {
  registry: Registry;
  /** Counts what the audit trail records: tokens, sign-ins, rate-limit refusals. */
  observeAudit(e: AuditedEvent): void;
  /** An alert recorded (by a rule or raise()). */
  alertRaised(rule: string): void;
  /** One gateway call answered: its status and route group (`products`, `orders`, `graphql`…). */
  gatewayCall(status: number, routeGroup: string | null): void;
  /** Time from sending the call to Magento to its answer's headers (or whole body when small). */
  upstreamSeconds(routeGroup: string | null, seconds: number): void;
  /** The audit queue's current length, read at each scrape. */
  auditQueueDepth(read: () => number): void;
  /** Hits and misses of the in-process caches, read at each scrape. */
  cacheLookups(read: () => Iterable<[cache: string, hits: number, misses: number]>): void;
}

const SIGN_IN_OUTCOMES: Record<string, string> = {
  'admin.login': 'success',
  'admin.login_failed': 'failure',
  'admin.totp_failed': 'totp_failed',
  'admin.passkey_failed': 'passkey_failed',
  'admin.locked': 'locked',
};

/** One registry per server process (tests run several); WORKERS aggregate them in the primary. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const tokens = new Counter({
    name: 'bridge_tokens_total',
    help: 'Token endpoint outcomes by grant type (success: tokens issued)',
    labelNames: ['grant_type', 'outcome'],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'bridge_sign_ins_total',
    help: 'Admin sign-in steps by outcome (success, failure, totp_failed, passkey_failed, locked)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'bridge_rate_limited_total',
    help: 'Requests refused by a rate limit',
    registers: [registry],
  });
  const blocks = new Counter({
    name: 'bridge_blocks_total',
    help: 'IPs and clients blocked (after repeated refusals, failed client authentications, or by an admin)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const alerts = new Counter({
    name: 'bridge_alerts_total',
    help: 'Alerts raised, by rule (one per incident: deduplicated ones are not counted)',
    labelNames: ['rule'],
    registers: [registry],
  });
  const gateway = new Counter({
    name: 'bridge_gateway_requests_total',
    help: 'Gateway calls by answer status and route group',
    labelNames: ['status', 'route_group'],
    registers: [registry],
  });
  const upstream = new Histogram({
    name: 'bridge_upstream_duration_seconds',
    help: 'Magento answer time seen by the gateway',
    labelNames: ['route_group'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  let readDepth = () => 0;
  new Gauge({
    name: 'bridge_audit_queue_depth',
    help: 'Audit rows queued and not yet written',
    registers: [registry],
    collect() {
      this.set(readDepth());
    },
  });
  let readCaches: () => Iterable<[string, number, number]> = () => [];
  new Counter({
    name: 'bridge_cache_lookups_total',
    help: 'In-process cache lookups by cache and result (hit, miss)',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [cache, hits, misses] of readCaches()) {
        this.inc({ cache, result: 'hit' }, hits);
        this.inc({ cache, result: 'miss' }, misses);
      }
    },
  });
  return {
    registry,
    observeAudit(e) {
      if (e.type === 'token.issued') {
        tokens.inc({ grant_type: String(e.details?.grantType ?? 'unknown'), outcome: 'success' });
      } else if (e.type === 'oauth.error' && e.details?.route === 'token') {
        tokens.inc({ grant_type: String(e.details?.grantType ?? 'unknown'), outcome: 'failure' });
      } else if (
        e.type === 'security.rate_limited' ||
        (e.type === 'gateway.denied' && e.details?.reason === 'rate_limited')
      ) {
        rateLimited.inc();
      } else if (e.type === 'security.blocked') {
        blocks.inc({ kind: String(e.details?.kind ?? 'unknown') });
      } else if (SIGN_IN_OUTCOMES[e.type]) {
        signIns.inc({ outcome: SIGN_IN_OUTCOMES[e.type]! });
      }
    },
    alertRaised: (rule) => alerts.inc({ rule }),
    gatewayCall: (status, routeGroup) => gateway.inc({ status: String(status), route_group: routeGroup ?? 'none' }),
    upstreamSeconds: (routeGroup, seconds) => upstream.observe({ route_group: routeGroup ?? 'none' }, seconds),
    auditQueueDepth(read) {
      readDepth = read;
    },
    cacheLookups(read) {
      readCaches = read;
    },
  };
}
