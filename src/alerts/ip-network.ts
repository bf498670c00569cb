import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network an address belongs to for the "new network" rule: its /24 (IPv4, also when written as
 * an IPv4-mapped IPv6 address) or its /48 (IPv6, a site's usual allocation). null when not an address.
 */
export function networkOf(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped ? mapped[1]! : ip;
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(ip)) return null;
  const hextets = expandIPv6(ip.split('%')[0]!);
  return `${hextets.slice(0, 3).join(':')}::/48`;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:… aside, e.g. 64:ff9b::1.2.3.4) counts as two hextets.
  const missing = 8 - left.length - right.length - right.filter((h) => h.includes('.')).length;
  const all = tail === null ? left : [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return all.map((h) => (h.includes('.') ? h : (parseInt(h, 16) || 0).toString(16)));
}
