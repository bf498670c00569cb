// The results as JSON and as a Markdown table (stdout, bench-results/latest.md, and on request the
// table section of BENCHMARKS.md between its markers).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './entry-points.js';
import { errorsOf, rssTarget, type ScenarioResult } from './scenarios.js';
import type { SystemInfo } from './system-info.js';
import type { MicroResult } from './micro-benchmarks.js';

export interface BenchReport {
  system: SystemInfo;
  config: { durationS: number; connections: number; flowLoops: number; flowAdmins: number };
  scenarios: ScenarioResult[];
  micro: MicroResult[];
  failures: string[];
  ok: boolean;
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (v < 10 ? v.toFixed(1) : n0(v));
const mark = (met: boolean) => (met ? 'met' : '**missed**');

export function markdown(r: BenchReport): string {
  const s = r.system;
  const lines = [
    `Run ${s.date} · ${s.cpuCount} × ${s.cpuModel} · Node ${s.node} · PostgreSQL ${s.postgres} · ` +
      `oidc-provider ${s.oidcProvider} · commit ${s.gitCommit}`,
    `Product: ${s.productServer}. ${r.config.durationS} s per run, ${r.config.connections} connections ` +
      `(consent flows: ${r.config.flowLoops} browsers).`,
    '',
    '| Scenario | Product | p50 / p99 ms | Errors | Reference | Ref. | Ref. p50 / p99 ms | Ref. errors | Ratio | ' +
      'DB trips / req | CPU ms / req | RSS MiB | Target |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const x of r.scenarios) {
    const p = x.product;
    const ref = x.reference;
    const rss = rssTarget(x.productRssMiB);
    const targets = [x.target ? `${x.target.text}: ${mark(x.target.met)}` : null, `RSS ${rss.text}: ${mark(rss.met)}`];
    lines.push(
      [
        '',
        x.name,
        `${n0(p.rps)} ${x.unit}`,
        `${ms(p.p50Ms)} / ${ms(p.p99Ms)}`,
        String(errorsOf(p)),
        ref?.name ?? '–',
        ref ? `${n0(ref.rps)} ${x.unit}` : '–',
        ref ? `${ms(ref.p50Ms)} / ${ms(ref.p99Ms)}` : '–',
        ref ? String(errorsOf(ref)) : '–',
        x.ratio !== null ? `${x.ratio.toFixed(2)}×` : '–',
        x.dbRoundTripsPerRequest !== null ? x.dbRoundTripsPerRequest.toFixed(1) : '–',
        x.productCpuMsPerRequest !== null ? x.productCpuMsPerRequest.toFixed(2) : '–',
        x.productRssMiB !== null ? x.productRssMiB.toFixed(0) : '–',
        targets.filter(Boolean).join('; '),
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  const notes = r.scenarios.flatMap((x) => x.notes.map((n) => `- ${x.name}: ${n}`));
  if (notes.length) lines.push('', ...notes);
  if (r.micro.length) {
    lines.push('', '| Micro-benchmark (bench process) | Value | Target |', '|---|---:|---|');
    for (const m of r.micro)
      lines.push(
        `| ${m.name} | ${n0(m.value)} ${m.unit} | ${m.higherIsBetter ? '≥' : '≤'} ${m.target}: ${mark(m.met)} |`,
      );
  }
  if (r.failures.length) lines.push('', '**Failures:**', ...r.failures.map((f) => `- ${f.split('\n')[0]}`));
  return lines.join('\n') + '\n';
}

export function writeReport(r: BenchReport, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify(r, null, 2) + '\n');
  const md = markdown(r);
  writeFileSync(join(outDir, 'latest.md'), md);
  return md;
}

const BEGIN = '<!-- bench:results:begin -->';
const END = '<!-- bench:results:end -->';

/** Replaces what lies between the markers in BENCHMARKS.md. */
export function updateBenchmarksMd(md: string): void {
  const file = join(REPO_ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`BENCHMARKS.md has no ${BEGIN} … ${END} section`);
  writeFileSync(file, `${text.slice(0, from + BEGIN.length)}\n${md}${text.slice(to)}`);
}
