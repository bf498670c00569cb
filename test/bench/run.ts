// `npm run bench`: the product server (production mode, PostgreSQL) against a bare oidc-provider
// and a bare undici proxy, same box, same run. See BENCHMARKS.md. Exit code: non-zero when a
// scenario had errors or a process failed; a missed speed target is reported, not fatal.
import { readBenchConfig, type BenchConfig } from './bench-config.js';
import { deadProcesses, stopAll } from './child-processes.js';
import { adminSlots, runConsentFlows } from './consent-flow.js';
import { runMicroBenchmarks, type MicroResult } from './micro-benchmarks.js';
import {
  createAdmins,
  createGatewayClient,
  createWebClient,
  removeWorkDir,
  startEmulator,
  startProduct,
  startRoundTripCounter,
  type Product,
} from './product-setup.js';
import { startBareEngine, startBareProxy } from './references.js';
import { markdown, updateBenchmarksMd, writeReport, type BenchReport } from './report.js';
import { createScratchDatabase, NoPostgresError, type ScratchDatabase } from './scratch-database.js';
import { errorsOf, runScenario, type BenchContext, type ScenarioResult } from './scenarios.js';
import { systemInfo } from './system-info.js';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function runAll(cfg: BenchConfig, db: ScratchDatabase, failures: string[]) {
  const scenarios: ScenarioResult[] = [];
  let product: Product | undefined;
  try {
    log('starting the Magento emulator, the round-trip counter and the product server');
    const emulator = await startEmulator();
    const counter = await startRoundTripCounter(db.url);
    const viaCounter = new URL(db.url);
    viaCounter.host = `127.0.0.1:${counter.port}`;
    product = await startProduct({
      databaseUrl: db.url,
      viaCounterUrl: viaCounter.toString(),
      magentoBaseUrl: emulator.storeBaseUrl,
      connections: cfg.connections,
    });
    if (!product.built)
      log('NOTE: dist/src/main.js not found: measuring src/main.ts through tsx, not the built server');
    log('starting the references (bare oidc-provider, bare undici proxy)');
    const [engine, proxy] = await Promise.all([
      startBareEngine(),
      startBareProxy(emulator.baseUrl, emulator.credentials),
    ]);
    log('creating clients, the Magento link and admins through the CLI');
    const needsAdmins = cfg.scenarios.includes('consent_flows') || cfg.scenarios.includes('refresh_rotation');
    const [gatewayClient, webClient, admins] = await Promise.all([
      createGatewayClient(product, emulator),
      createWebClient(product),
      needsAdmins ? createAdmins(product, cfg.flowAdmins) : Promise.resolve([]),
    ]);
    const ctx: BenchContext = {
      cfg,
      product,
      counter,
      engine,
      proxy,
      gatewayClient,
      webClient,
      admins: adminSlots(admins),
      refreshTokens: [],
    };
    for (const name of cfg.scenarios) {
      if (name === 'refresh_rotation' && ctx.refreshTokens.length < cfg.connections) {
        log('running consent flows to start the refresh chains');
        const seed = await runConsentFlows({
          baseUrl: product.baseUrl,
          client: webClient,
          admins: ctx.admins,
          loops: cfg.flowLoops,
          durationS: 60,
          maxFlows: cfg.connections - ctx.refreshTokens.length,
        });
        ctx.refreshTokens.push(...seed.refreshTokens);
      }
      log(`scenario ${name}`);
      try {
        const r = await runScenario[name](ctx);
        scenarios.push(r);
        const errs = errorsOf(r.product) + (r.reference ? errorsOf(r.reference) : 0);
        if (errs) failures.push(`${name}: ${errs} errors (non-2xx or socket errors)`);
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
      }
      for (const p of deadProcesses()) failures.push(`${p.name} exited during ${name}:\n${p.stderr().slice(-2000)}`);
      if (deadProcesses().length) break;
    }
  } catch (err) {
    failures.push(`setup: ${(err as Error).message}`);
  } finally {
    await stopAll();
    if (product) removeWorkDir(product);
  }
  return { scenarios, productBuilt: product?.built ?? false };
}

async function main(): Promise<number> {
  const cfg = readBenchConfig();
  let db: ScratchDatabase;
  try {
    db = await createScratchDatabase(cfg.adminUrl);
  } catch (err) {
    if (err instanceof NoPostgresError) {
      process.stderr.write(`bench: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  log(`scratch database ${db.name} on PostgreSQL ${db.serverVersion}`);
  const failures: string[] = [];
  let outcome: Awaited<ReturnType<typeof runAll>>;
  try {
    outcome = await runAll(cfg, db, failures);
  } finally {
    await db.drop().catch((err: Error) => failures.push(`dropping ${db.name}: ${err.message}`));
  }
  const micro: MicroResult[] = cfg.micro ? runMicroBenchmarks() : [];
  const report: BenchReport = {
    system: systemInfo(db.serverVersion, outcome.productBuilt),
    config: {
      durationS: cfg.durationS,
      connections: cfg.connections,
      flowLoops: cfg.flowLoops,
      flowAdmins: cfg.flowAdmins,
    },
    scenarios: outcome.scenarios,
    micro,
    failures,
    ok: failures.length === 0,
  };
  const md = writeReport(report, cfg.outDir);
  process.stdout.write(md);
  if (cfg.writeBenchmarksMd) updateBenchmarksMd(markdown(report));
  for (const f of failures) process.stderr.write(`bench: FAILED ${f}\n`);
  return report.ok ? 0 : 1;
}

// Children are stopped in runAll's finally; a Ctrl-C still gets there through this handler.
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.exitCode = await main();
