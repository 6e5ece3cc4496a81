// IPv4 arithmetic the simulators share: addresses as integers, CIDR blocks.

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

/**
 * A network in CIDR notation (`10.0.0.0/16`), normalized to its base address; undefined when malformed or when
 * its prefix lies outside what the backend takes.
 */
export function parseStrictCidr(text: string, minPrefix = 0, maxPrefix = 32): Cidr | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const address = ipToInt(match[1]);
  const prefix = Number(match[2]);
  if (address === undefined || prefix < minPrefix || prefix > maxPrefix) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), prefix, size };
}

export function formatCidr(cidr: Cidr): string {
  return `${intToIp(cidr.base)}/${cidr.prefix}`;
}

/** True when `inner` lies inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}
