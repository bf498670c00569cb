// The load generator: autocannon's programmatic API in the bench's own process (every server is a
// process of its own, so the load is never generated inside the process being measured).
import autocannon from 'autocannon';

export interface Measured {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses that were not 2xx. */
  non2xx: number;
  /** Socket errors and timeouts. */
  socketErrors: number;
  durationS: number;
}

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Cycled through per connection (autocannon's request sequences, with their hooks). */
  requests: autocannon.Request[];
}

export async function runLoad(spec: LoadSpec): Promise<Measured> {
  const r = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    headers: spec.headers,
    requests: spec.requests,
    timeout: 10,
  });
  const requests = r.requests.total;
  return {
    requests,
    rps: requests / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    socketErrors: r.errors + r.timeouts,
    durationS: r.duration,
  };
}

export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const FORM = 'application/x-www-form-urlencoded';
