import { parseRateLimit } from '../config/rate-limit-spec.js';
import { cidrProblem, compileCidrs } from '../security/ip-address.js';

/** Where and how much a client may call from: enforced at the token endpoint and the gateway. */
export interface ClientAccessPolicy {
  /** Gateway budget, e.g. "600/min"; null: GATEWAY_RATE_LIMIT. */
  rateLimit: string | null;
  /** CIDR blocks (IPv4, IPv6) the client's requests must come from; empty: any address. */
  allowedIps: string[];
  /** ISO 3166-1 alpha-2 codes; empty: any country (GEO_DENY_COUNTRIES still applies). */
  allowedCountries: string[];
  deniedCountries: string[];
  /** "08:00-18:00 Europe/Berlin": outside these hours calls raise an alert; null: any time. */
  activeHours: string | null;
}

export type AccessRefusal = { reason: 'ip_not_allowed' | 'country_denied'; message: string };

/** Each problem of the input in words, for the CLI's error (empty: valid). */
export function accessPolicyProblems(p: Partial<ClientAccessPolicy>): string[] {
  const problems: string[] = [];
  if (p.rateLimit != null && !parseRateLimit(p.rateLimit))
    problems.push(`rate limit "${p.rateLimit}" must look like 600/min, 10/15min, 5/30s, 100/hour`);
  for (const cidr of p.allowedIps ?? []) {
    const why = cidrProblem(cidr);
    if (why) problems.push(why);
  }
  for (const c of [...(p.allowedCountries ?? []), ...(p.deniedCountries ?? [])])
    if (!/^[A-Z]{2}$/.test(c)) problems.push(`"${c}" is not an ISO 3166-1 alpha-2 country code (e.g. DE, US)`);
  if (p.activeHours != null && !parseActiveHours(p.activeHours))
    problems.push(`active hours "${p.activeHours}" must look like "08:00-18:00 Europe/Berlin" (an IANA time zone)`);
  return problems;
}

export interface ActiveHours {
  start: string;
  end: string;
  timeZone: string;
}

/** "08:00-18:00 Europe/Berlin" (zone optional: UTC); a window may wrap midnight ("22:00-06:00"). */
export function parseActiveHours(text: string): ActiveHours | null {
  const m = /^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)(?:\s+(\S+))?\s*$/.exec(text);
  if (!m) return null;
  const timeZone = m[5] ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return null;
  }
  return { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}`, timeZone };
}

const matchers = new WeakMap<readonly string[], (ip: string) => boolean>();

/** Why this request may not act for the client (its own IP and country lists), or null. */
export function accessRefusal(
  p: Pick<ClientAccessPolicy, 'allowedIps' | 'allowedCountries' | 'deniedCountries'>,
  ip: string,
  country: string | null,
): AccessRefusal | null {
  if (p.allowedIps.length) {
    let inList = matchers.get(p.allowedIps);
    if (!inList) matchers.set(p.allowedIps, (inList = compileCidrs(p.allowedIps)));
    if (!inList(ip))
      return { reason: 'ip_not_allowed', message: 'this client does not accept requests from this address' };
  }
  const refusedCountry =
    (country !== null && p.deniedCountries.includes(country)) ||
    (p.allowedCountries.length > 0 && (country === null || !p.allowedCountries.includes(country)));
  if (refusedCountry)
    return { reason: 'country_denied', message: 'this client does not accept requests from this country' };
  return null;
}
