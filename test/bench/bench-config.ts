// What a run measures and for how long: environment variables only, so `npm run bench` needs no flags.
export const SCENARIOS = [
  'client_credentials',
  'introspection',
  'consent_flows',
  'refresh_rotation',
  'gateway_get',
  'gateway_put',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchConfig {
  durationS: number;
  connections: number;
  /** Concurrent browser loops of the consent-flow scenario (each owns its admins). */
  flowLoops: number;
  /** Admins created for the consent flows: each can approve 3 flows at once, then one per 30 s. */
  flowAdmins: number;
  scenarios: ScenarioName[];
  /** Also rewrite the table section of BENCHMARKS.md. */
  writeBenchmarksMd: boolean;
  /** The route matcher / signature micro-benchmarks (in this process; cheap). */
  micro: boolean;
  adminUrl: string;
  outDir: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return n;
}

export function readBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const picked = (env.BENCH_SCENARIOS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of picked)
    if (!(SCENARIOS as readonly string[]).includes(s))
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);
  const scenarios = picked.length ? SCENARIOS.filter((s) => picked.includes(s)) : [...SCENARIOS];
  return {
    durationS: positiveInt(env, 'BENCH_DURATION_S', 10),
    connections: Math.round(positiveInt(env, 'BENCH_CONNECTIONS', 32)),
    flowLoops: Math.round(positiveInt(env, 'BENCH_FLOW_LOOPS', 8)),
    flowAdmins: Math.round(positiveInt(env, 'BENCH_FLOW_ADMINS', 100)),
    scenarios,
    writeBenchmarksMd: env.BENCH_WRITE === '1' || process.argv.includes('--write'),
    micro: env.BENCH_MICRO !== '0' && !picked.length,
    adminUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    outDir: env.BENCH_OUT_DIR || 'bench-results',
  };
}
