import { randomBytes } from 'node:crypto';
import { type Cidr, intToIp, ipToInt } from '../common/ipv4';

export { type Cidr, cidrContains, cidrOverlaps, formatCidr, intToIp, ipToInt } from '../common/ipv4';

// Small IPv4, MAC, password and timestamp helpers for the CloudMC simulator.

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor((ipToInt(ip) ?? 0) / size) * size, prefix, size };
}

/** Prefix length of a contiguous netmask, or undefined for a malformed one. */
export function netmaskToPrefix(mask: string): number | undefined {
  const value = ipToInt(mask);
  if (value === undefined) return undefined;
  const bits = value.toString(2).padStart(32, '0');
  if (!/^1+0+$/.test(bits)) return undefined;
  return bits.indexOf('0');
}

export function prefixToNetmask(prefix: number): string {
  return intToIp(2 ** 32 - 2 ** (32 - prefix));
}

export function randomMac(): string {
  return ['02', '00', ...[...randomBytes(4)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A one-time VM password, like the short generated ones in the docs' task results. */
export function randomPassword(length = 10): string {
  return [...randomBytes(length)].map((b) => PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]).join('');
}

// The docs' samples come from a server in Eastern time; we pin -04:00 so the formats match the samples.
const OFFSET_MINUTES = -4 * 60;

function shifted(date: Date): { d: Date; pad: (n: number, w?: number) => string } {
  return {
    d: new Date(date.getTime() + OFFSET_MINUTES * 60_000),
    pad: (n, w = 2) => String(n).padStart(w, '0'),
  };
}

function localDateTime(date: Date): string {
  const { d, pad } = shifted(date);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Volume style: `2016-10-19T14:25:41-0400` (no colon in the offset). */
export function volumeTimestamp(date: Date): string {
  return `${localDateTime(date)}-0400`;
}

/** Task style: `2021-04-20T20:58:59.952881-04:00` (microseconds, colon in the offset). */
export function taskTimestamp(date: Date): string {
  const { d, pad } = shifted(date);
  return `${localDateTime(date)}.${pad(d.getUTCMilliseconds(), 3)}000-04:00`;
}
