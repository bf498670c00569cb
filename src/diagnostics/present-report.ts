// The report in words (the CLI's default output); JSON is the report itself.
import type { CheckResult } from './check-result.js';
import type { DoctorReport } from './run-doctor.js';

const LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function reportLines(report: DoctorReport): string[] {
  const lines: string[] = [];
  let client: unknown = null;
  for (const c of report.checks) {
    if (c.details.client_id !== client && c.details.client_id !== undefined) {
      client = c.details.client_id;
      lines.push('', `client ${String(client)}`);
    }
    lines.push(`${LABEL[c.status]}  ${c.id.padEnd(22)} ${c.message}`);
    if (c.fix && c.status !== 'pass') lines.push(`      fix: ${c.fix}`);
  }
  const count = (s: CheckResult['status']) => report.checks.filter((c) => c.status === s).length;
  lines.push(
    '',
    `${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed, ${count('skip')} skipped`,
  );
  return lines;
}

/** The public JSON shape: `{"checks":[{"id","status","message","fix","details"}]}`. */
export function reportJson(report: DoctorReport): { checks: CheckResult[] } {
  return {
    checks: report.checks.map((c) => ({
      id: c.id,
      status: c.status,
      message: c.message,
      fix: c.fix,
      details: c.details,
    })),
  };
}
