import { createRequire } from 'node:module';
import { normalizeIp } from './ip-address.js';

interface GeoIpCountry {
  lookup(ip: string): { country: string } | null;
}

let geo: GeoIpCountry | null = null;
/** Recent answers: a request asks up to three times (gate, client rules, audit row), a client many. */
const recent = new Map<string, string | null>();
const RECENT_MAX = 10_000;

/**
 * The country of an address from geoip-country's bundled offline database (MaxMind GeoLite2
 * Country), or null for private, loopback and unknown addresses. Loaded on first use (~30 ms, 8 MB):
 * the CLI and tests that never ask pay nothing.
 */
export function countryOf(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const known = recent.get(ip);
  if (known !== undefined) return known;
  geo ??= createRequire(import.meta.url)('geoip-country') as GeoIpCountry;
  let country: string | null;
  try {
    country = geo.lookup(normalizeIp(ip))?.country ?? null;
  } catch {
    country = null; // not an address it can read
  }
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(ip, country);
  return country;
}
