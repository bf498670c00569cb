// The last guard before anything is shown: every secret the run could have touched is replaced,
// wherever it appears (a message quoting Magento, an error text, details).
import type { CheckResult } from './check-result.js';

const REDACTED = '[redacted]';

export function scrubSecrets(results: CheckResult[], secrets: readonly string[]): CheckResult[] {
  // Short values would blank ordinary words; every real secret here is long.
  const list = [...new Set(secrets.filter((s) => s.length >= 12))].sort((a, b) => b.length - a.length);
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') return list.reduce((s, secret) => s.split(secret).join(REDACTED), v);
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]));
    return v;
  };
  return results.map((r) => clean(r) as CheckResult);
}
