import { createRequire } from 'node:module';
import { normalizeIp } from './ip-address.js';

interface GeoIpCountry {
  lookup(ip: string): { country: string } | null;
}

let geo: GeoIpCountry | null = null;

/**
 * The country of an address from geoip-country's bundled offline database (MaxMind GeoLite2
 * Country), or null for private, loopback and unknown addresses. Loaded on first use (~30 ms, 8 MB):
 * the CLI and tests that never ask pay nothing.
 */
export function countryOf(ip: string | null | undefined): string | null {
  if (!ip) return null;
  geo ??= createRequire(import.meta.url)('geoip-country') as GeoIpCountry;
  try {
    return geo.lookup(normalizeIp(ip))?.country ?? null;
  } catch {
    return null; // not an address it can read
  }
}
