import { BlockList, isIP } from 'node:net';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is 192.0.2.1: one address, one key. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Why `cidr` is not an IPv4/IPv6 address or CIDR block, or null when it is one. */
export function cidrProblem(cidr: string): string | null {
  const [addr, bits, ...rest] = cidr.split('/');
  const family = isIP(addr ?? '');
  if (!family || rest.length)
    return `"${cidr}" is not an IP address or CIDR block (e.g. 203.0.113.0/24, 2001:db8::/32)`;
  if (bits === undefined) return null;
  const n = Number(bits);
  if (!/^\d{1,3}$/.test(bits) || n > (family === 4 ? 32 : 128)) return `"${cidr}" has an invalid prefix length`;
  return null;
}

/** A membership test for a list of CIDR blocks (node's BlockList: IPv4 and IPv6, mapped addresses too). */
export function compileCidrs(cidrs: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr, bits] = cidr.split('/') as [string, string | undefined];
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (ip) => {
    const a = normalizeIp(ip);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  };
}
