// IPv4 helpers for the simulator: CIDR parsing and address pools.

export interface Cidr {
  base: number;
  prefix: number;
  size: number;
}

export function ipToInt(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** A network in CIDR notation (`10.0.0.0/16`), normalized to its base address; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const address = ipToInt(match[1]);
  const prefix = Number(match[2]);
  if (address === undefined || prefix < 8 || prefix > 30) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), prefix, size };
}

export function formatCidr(cidr: Cidr): string {
  return `${intToIp(cidr.base)}/${cidr.prefix}`;
}

/** True when `inner` lies inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

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
