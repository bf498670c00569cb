// `npm run bench`: speed and memory targets. Each line prints the measurement, its target and
// whether it met it; the exit code is non-zero when a target is missed. Loopback only.
import { performance } from 'node:perf_hooks';
import { createRouteMatcher } from '../../src/api-catalog/route-matcher.js';
import { loadRoutes } from '../../src/api-catalog/route-table.js';
import { signRequest } from '../../src/oauth1/oauth1-signer.js';
import {
  EMULATOR_TEST_ROUTES_FILE,
  startMagentoEmulator,
} from '../../tools/magento-emulator/start-magento-emulator.js';
import { startTestServer } from '../support/test-server.js';
import { setup as tempRoot } from '../support/global-setup.js';

interface Result {
  name: string;
  value: number;
  unit: string;
  target: number;
  higherIsBetter: boolean;
}
const results: Result[] = [];
const report = (r: Result) => {
  results.push(r);
  const ok = r.higherIsBetter ? r.value >= r.target : r.value <= r.target;
  console.log(
    `${ok ? 'PASS' : 'MISS'}  ${r.name.padEnd(44)} ${r.value.toFixed(1).padStart(10)} ` +
      `${r.unit.padEnd(8)} target ${r.higherIsBetter ? '≥' : '≤'} ${r.target}`,
  );
};

function timeLoop(iterations: number, fn: (i: number) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  return iterations / ((performance.now() - t0) / 1000);
}

/** Runs `worker` from `concurrency` loops for `ms`; returns requests/s and latency percentiles. */
async function load(ms: number, concurrency: number, worker: () => Promise<void>) {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await worker();
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { rps: latencies.length / (ms / 1000), p50: pct(0.5), p99: pct(0.99) };
}

async function main() {
  const routes = loadRoutes();
  const matcher = createRouteMatcher(routes);
  const paths: [string, string][] = [
    ['GET', '/rest/V1/products/ABC%2F10'],
    ['GET', '/rest/default/V1/orders/42'],
    ['PUT', '/rest/all/V1/products/attributes/color/options/7'],
    ['GET', '/rest/V1/inventory/sources'],
    ['POST', '/rest/V1/no/such/route'],
  ];
  report({
    name: 'route matcher lookups',
    value: timeLoop(500_000, (i) => {
      const [m, p] = paths[i % paths.length]!;
      matcher.match(m, p);
    }),
    unit: 'ops/s',
    target: 300_000,
    higherIsBetter: true,
  });
  report({
    name: 'OAuth 1.0a signatures (HMAC-SHA256)',
    value: timeLoop(50_000, (i) =>
      signRequest({
        method: 'GET',
        url: `https://shop.example/rest/V1/products?searchCriteria[pageSize]=${i}`,
        consumerKey: 'a'.repeat(32),
        consumerSecret: 'b'.repeat(32),
        token: 'c'.repeat(32),
        tokenSecret: 'd'.repeat(32),
      }),
    ),
    unit: 'ops/s',
    target: 20_000,
    higherIsBetter: true,
  });

  const emu = await startMagentoEmulator();
  const s = await startTestServer({
    env: { MAGENTO_BASE_URL: emu.storeBaseUrl, ROUTES_FILE: EMULATOR_TEST_ROUTES_FILE, GATEWAY_TIMEOUT_MS: '60000' },
  });
  try {
    const { client, clientSecret } = await s.runtime.clients.create({
      name: 'bench',
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
    });
    const basic =
      'Basic ' +
      Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(clientSecret!)}`).toString('base64');
    const tokenOnce = async () => {
      const res = await fetch(`${s.baseUrl}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=catalog%3Aread',
      });
      if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const cc = await load(3000, 16, async () => void (await tokenOnce()));
    report({
      name: `client credentials tokens (${s.testDb.engine})`,
      value: cc.rps,
      unit: 'req/s',
      target: 150,
      higherIsBetter: true,
    });
    report({ name: 'client credentials p99 latency', value: cc.p99, unit: 'ms', target: 250, higherIsBetter: false });

    const integration = emu.createIntegration({ all: true });
    const t = emu.issueAccessToken(integration.id);
    await s.runtime.links.ensure(client.clientId);
    await s.runtime.links.importActive(
      client.clientId,
      {
        mode: 'oauth1',
        consumerKey: t.consumerKey,
        consumerSecret: t.consumerSecret,
        token: t.accessToken,
        tokenSecret: t.accessTokenSecret,
        storeBaseUrl: emu.storeBaseUrl,
      },
      'bench',
    );
    const access = await tokenOnce();
    const gw = await load(3000, 16, async () => {
      const res = await fetch(`${s.baseUrl}/rest/V1/products/ABC%2F10`, {
        headers: { authorization: `Bearer ${access}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`gateway answered ${res.status}`);
    });
    report({
      name: 'gateway GET through to Magento emulator',
      value: gw.rps,
      unit: 'req/s',
      target: 150,
      higherIsBetter: true,
    });
    report({ name: 'gateway p99 latency', value: gw.p99, unit: 'ms', target: 250, higherIsBetter: false });

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const res = await fetch(`${s.baseUrl}/rest/V1/test/large?mb=50`, {
      headers: { authorization: `Bearer ${access}` },
    });
    let bytes = 0;
    let nextGc = 0;
    for await (const chunk of res.body!) {
      bytes += (chunk as Uint8Array).length;
      // Collect as we go so the number is retention, not GC timing.
      if (bytes >= nextGc) {
        global.gc?.();
        nextGc += 4 * 1024 * 1024;
      }
    }
    clearInterval(sampler);
    if (bytes < 50 * 1024 * 1024) throw new Error(`large response truncated: ${bytes} bytes`);
    report({
      name: 'RSS growth streaming a 50 MB response',
      value: (peak - rssBefore) / 1024 / 1024,
      unit: 'MiB',
      target: 20,
      higherIsBetter: false,
    });
  } finally {
    await s.close();
    await emu.close();
  }
  const missed = results.filter((r) => (r.higherIsBetter ? r.value < r.target : r.value > r.target));
  console.log(JSON.stringify({ results }, null, 0));
  process.exitCode = missed.length ? 1 : 0;
}

// Scratch data dirs under one root, removed at the end as in the test runs.
const removeTempRoot = tempRoot();
try {
  await main();
} finally {
  removeTempRoot();
}
