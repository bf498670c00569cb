import { existsSync } from 'node:fs';
import type { readers } from './env-readers.js';

export interface DiagnosticsConfig {
  /**
   * PEM file of extra CAs `doctor` trusts when it reaches the store (DOCTOR_CA_FILE); default the
   * process's NODE_EXTRA_CA_CERTS, which the gateway's own connections trust too. null: Node's roots.
   */
  readonly caFile: string | null;
  /** Each network step of `doctor` (DNS, connect, TLS, one HTTP answer) gives up after this (DOCTOR_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

/** `doctor` (issue 17): how it reaches the store. */
export function readDiagnosticsConfig(r: ReturnType<typeof readers>): DiagnosticsConfig {
  const own = r.string('DOCTOR_CA_FILE', '');
  if (own && !existsSync(own)) r.fail('DOCTOR_CA_FILE', `names a file that does not exist: ${own}`);
  // Node's own variable is Node's business (it warns itself): a missing file only means no extra CA here.
  const inherited = r.string('NODE_EXTRA_CA_CERTS', '');
  const caFile = own || (inherited && existsSync(inherited) ? inherited : '') || null;
  return { caFile, timeoutMs: r.int('DOCTOR_TIMEOUT_MS', 3000, { min: 100, max: 60_000 }) };
}
