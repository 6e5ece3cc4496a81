import { type Cidr, intToIp, parseStrictCidr } from '../common/ipv4';

// Address pools of the IMCO simulator.

/** IMCO takes subnets from /8 to /30. */
export const parseCidr = (text: string): Cidr | undefined => parseStrictCidr(text, 8, 30);

/** The first free host of `cidr` from `.10` on (low addresses are left to routers and the gateway). */
export function freeHost(cidr: Cidr, used: ReadonlySet<string>): string | undefined {
  for (let host = cidr.base + 10; host < cidr.base + cidr.size - 1; host++) {
    const address = intToIp(host);
    if (!used.has(address)) return address;
  }
  return undefined;
}

// Simulated addresses are never real ones: floating IPs from a documentation range, server addresses from the
// shared address space (RFC 6598), the one reserved block large enough for thousands of servers (benchmarks).
export const SERVER_PUBLIC_POOL = parseCidr('100.64.0.0/16')!;
export const FLOATING_POOL = parseCidr('198.51.100.0/24')!;
/** Servers created outside any IMCO subnet get a private address from here. */
export const DEFAULT_PRIVATE_POOL = parseCidr('172.31.0.0/16')!;
