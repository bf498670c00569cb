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
  const caFile = r.string('DOCTOR_CA_FILE', r.string('NODE_EXTRA_CA_CERTS', '')) || null;
  if (caFile && !existsSync(caFile)) r.fail('DOCTOR_CA_FILE', `names a file that does not exist: ${caFile}`);
  return { caFile, timeoutMs: r.int('DOCTOR_TIMEOUT_MS', 3000, { min: 100, max: 60_000 }) };
}
