/** A budget: `max` requests per `windowSeconds` (a fixed window, as rate-limiter-flexible counts). */
export interface RateLimitSpec {
  max: number;
  windowSeconds: number;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60 };
Object.assign(UNIT_SECONDS, { h: 3600, hour: 3600, d: 86_400, day: 86_400 });

/**
 * Parses the operator's notation: `600/min`, `10/15min`, `5/30s`, `100/hour`, `1000/day`.
 * Returns null for anything else (the caller words the error for its own flag or variable).
 */
export function parseRateLimit(text: string): RateLimitSpec | null {
  const m = /^\s*(\d{1,9})\s*\/\s*(\d{1,6})?\s*([a-z]+?)s?\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNIT_SECONDS[m[3]!.toLowerCase()];
  const max = Number(m[1]);
  const windowSeconds = (m[2] ? Number(m[2]) : 1) * (unit ?? NaN);
  if (!unit || max < 1 || !Number.isFinite(windowSeconds) || windowSeconds < 1 || windowSeconds > 31 * 86_400)
    return null;
  return { max, windowSeconds };
}

/** The same notation back: `600/min`, `10/15min`, `5/30s`. */
export function formatRateLimit({ max, windowSeconds: w }: RateLimitSpec): string {
  if (w % 86_400 === 0) return `${max}/${w === 86_400 ? '' : w / 86_400}day`;
  if (w % 3600 === 0) return `${max}/${w === 3600 ? '' : w / 3600}hour`;
  if (w % 60 === 0) return `${max}/${w === 60 ? '' : w / 60}min`;
  return `${max}/${w}s`;
}
