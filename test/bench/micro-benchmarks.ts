// Micro-benchmarks kept from the old harness: pure functions timed in the bench's own process
// (no server involved), so a regression in the route matcher or the signer shows on its own.
// The old "RSS while streaming 50 MB" check is dropped: the per-scenario RSS of the product
// server process covers memory now.
import { performance } from 'node:perf_hooks';
import { createRouteMatcher } from '../../src/api-catalog/route-matcher.js';
import { loadRoutes } from '../../src/api-catalog/route-table.js';
import { signRequest } from '../../src/oauth1/oauth1-signer.js';

export interface MicroResult {
  name: string;
  value: number;
  unit: string;
  target: number;
  higherIsBetter: boolean;
  met: boolean;
}

function opsPerSecond(iterations: number, fn: (i: number) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  return iterations / ((performance.now() - t0) / 1000);
}

const higher = (name: string, value: number, target: number): MicroResult => ({
  name,
  value,
  unit: 'ops/s',
  target,
  higherIsBetter: true,
  met: value >= target,
});

export function runMicroBenchmarks(): MicroResult[] {
  const matcher = createRouteMatcher(loadRoutes());
  const paths: [string, string][] = [
    ['GET', '/rest/V1/products/ABC%2F10'],
    ['GET', '/rest/default/V1/orders/42'],
    ['PUT', '/rest/all/V1/products/attributes/color/options/7'],
    ['GET', '/rest/V1/inventory/sources'],
    ['POST', '/rest/V1/no/such/route'],
  ];
  const lookups = opsPerSecond(500_000, (i) => {
    const [m, p] = paths[i % paths.length]!;
    matcher.match(m, p);
  });
  const signatures = opsPerSecond(50_000, (i) =>
    signRequest({
      method: 'GET',
      url: `https://shop.example/rest/V1/products?searchCriteria[pageSize]=${i}`,
      consumerKey: 'a'.repeat(32),
      consumerSecret: 'b'.repeat(32),
      token: 'c'.repeat(32),
      tokenSecret: 'd'.repeat(32),
    }),
  );
  return [
    higher('route matcher lookups', lookups, 300_000),
    higher('OAuth 1.0a signatures (HMAC-SHA256)', signatures, 20_000),
  ];
}
