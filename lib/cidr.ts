/** IPv4 CIDR arithmetic for the environment schema and the NetworkPolicy evaluator (ipaddr.js does the parsing). */
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4, number];

function range(cidr: string): Range | undefined {
  try {
    const r = ipaddr.IPv4.parseCIDR(cidr);
    return [r[0], r[1]];
  } catch {
    return undefined;
  }
}

/** A CIDR written as its network address (10.20.0.0/16, not 10.20.1.5/16). */
export function isNetworkCidr(cidr: string): boolean {
  const r = range(cidr);
  return r !== undefined && ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() === r[0].toString();
}

/** Whether an IPv4 address lies in a CIDR; false for anything unparsable. */
export function ipInCidr(ip: string, cidr: string): boolean {
  const r = range(cidr);
  if (!r || !ipaddr.IPv4.isValidFourPartDecimal(ip)) return false;
  return ipaddr.IPv4.parse(ip).match(r);
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [o, i] = [range(outer), range(inner)];
  return o !== undefined && i !== undefined && i[1] >= o[1] && i[0].match(o);
}

/** Whether two CIDRs share an address (aligned ranges overlap only by containment). */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** The n-th address of a CIDR (0 is the network address), for address plans in tests. */
export function nthAddress(cidr: string, n: number): string {
  const r = range(cidr);
  if (!r) throw new Error(`${cidr} is not an IPv4 CIDR`);
  const size = 2 ** (32 - r[1]);
  if (n < 0 || n >= size) throw new Error(`${cidr} has no address #${n} (it has ${size})`);
  const base = r[0].toByteArray().reduce((acc, b) => acc * 256 + b, 0);
  const v = base + n;
  return [24, 16, 8, 0].map((shift) => Math.floor(v / 2 ** shift) % 256).join('.');
}
