import ipaddr from 'ipaddr.js';
import type { ResolvedAddress, WebhookResolver } from './target-resolver';

/** Longest webhook URL. */
export const MAX_URL_LENGTH = 2048;

/**
 * Addresses named outright, beside the ranges: the cloud metadata services. All sit in ranges refused anyway
 * (169.254/16, fc00::/7, 100.64/10); listed so that the reason names them.
 */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/**
 * ipaddr.js range names that a webhook may reach: plain unicast only. Everything else is refused: loopback,
 * private (RFC 1918), unique-local fc00::/7, link-local, carrier-grade NAT 100.64/10, unspecified, multicast,
 * broadcast, reserved and documentation ranges, and the IPv6 forms that embed an IPv4 address the guard cannot
 * judge as one (6to4, Teredo, NAT64).
 */
const ALLOWED_RANGES = new Set(['unicast']);

/**
 * Why a webhook may not be sent to this address (docs/design.md#webhooks: SSRF), or null when it may. An
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is judged as the IPv4 address it maps.
 */
export function refusalOf(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const normalized = parsed.toNormalizedString();
  const canonical = parsed.kind() === 'ipv6' ? ipaddr.IPv6.parse(normalized).toString() : normalized;
  if (METADATA_ADDRESSES.has(canonical)) return `${canonical} is a cloud metadata address`;
  const range = parsed.range();
  if (!ALLOWED_RANGES.has(range)) return `${canonical} is in a ${range} range`;
  return null;
}

/** A webhook URL as the gateway takes it: absolute http(s), no credentials, bounded. */
export interface TargetUrl {
  /** The URL as WHATWG parses it (what is stored and what the sender requests). */
  href: string;
  /** The host without IPv6 brackets. */
  host: string;
  /** True when the host is an IP address, judged as it is (no look-up). */
  literal: boolean;
}

/** The URL, or why it is refused (a message for the `url` field). */
export function parseTargetUrl(text: string): TargetUrl | { refused: string } {
  if (text.length > MAX_URL_LENGTH) return { refused: `must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { refused: 'must be an absolute http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { refused: 'must be an absolute http or https URL' };
  if (url.username || url.password) return { refused: 'must not carry a user name or password' };
  if (url.href.length > MAX_URL_LENGTH) return { refused: `must be at most ${MAX_URL_LENGTH} characters` };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) return { refused: 'must name a host' };
  return { href: url.href, host, literal: ipaddr.isValid(host) };
}

/** Where one attempt connects: the address judged (nothing resolves between the check and the connect). */
export interface PinnedTarget {
  url: string;
  address: string;
  family: 4 | 6;
}

/** Refusal of a target, with the reason (what the 400 or the delivery record says). */
export class TargetRefused extends Error {}

const familyOf = (address: string): 4 | 6 => (ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4);

/**
 * The check at registration (and at a PATCH of the url): a literal address is judged; a name is resolved and
 * refused if any of its addresses is. A name that does not resolve now is accepted: delivery judges it again.
 */
export async function checkAtRegistration(
  target: TargetUrl,
  resolver: WebhookResolver,
  allowPrivate: boolean,
): Promise<void> {
  if (allowPrivate) return;
  if (target.literal) {
    const refusal = refusalOf(target.host);
    if (refusal) throw new TargetRefused(refusal);
    return;
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver.lookup(target.host);
  } catch {
    return;
  }
  for (const { address } of addresses) {
    const refusal = refusalOf(address);
    if (refusal) throw new TargetRefused(`${target.host} resolves to ${address}: ${refusal}`);
  }
}

/**
 * The check at delivery: the name is resolved again now and judged (any refused address refuses it), and the
 * attempt connects to the first address (pinned). With `allowPrivate` nothing is judged but the pin stays.
 */
export async function pinForDelivery(
  target: TargetUrl,
  resolver: WebhookResolver,
  allowPrivate: boolean,
): Promise<PinnedTarget> {
  if (target.literal) {
    const refusal = allowPrivate ? null : refusalOf(target.host);
    if (refusal) throw new TargetRefused(`target refused: ${refusal}`);
    return { url: target.href, address: target.host, family: familyOf(target.host) };
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolver.lookup(target.host);
  } catch (error) {
    throw new TargetRefused(`${target.host} did not resolve: ${(error as Error).message}`);
  }
  if (addresses.length === 0) throw new TargetRefused(`${target.host} resolved to no address`);
  if (!allowPrivate)
    for (const { address } of addresses) {
      const refusal = refusalOf(address);
      if (refusal)
        throw new TargetRefused(`target refused: ${target.host} resolves to ${address}: ${refusal}`);
    }
  return { url: target.href, address: addresses[0].address, family: addresses[0].family };
}
