import { NATIVE_ID_PATTERN } from '../../../common/ids/resource-id';

/**
 * Native ids of this backend (docs/providers/dcimanager.md#native-ids). Servers, OS templates, locations and
 * IP networks use DCImanager's integer ids. Plans are configuration codes (used as they are when URL-safe,
 * else base64url behind `b64~`); an IP address is `<server id>-<ip id>` and a local disk
 * `<server id>-disk<n>`, because both live on a server.
 */
const ENCODED = 'b64~';

export function planIdOf(configuration: string): string {
  const safe = NATIVE_ID_PATTERN.test(configuration) && !configuration.startsWith(ENCODED);
  return safe ? configuration : `${ENCODED}${Buffer.from(configuration, 'utf8').toString('base64url')}`;
}

export function configurationOfPlan(planId: string): string {
  return planId.startsWith(ENCODED)
    ? Buffer.from(planId.slice(ENCODED.length), 'base64url').toString('utf8')
    : planId;
}

export const isIntegerId = (value: string | null | undefined): value is string =>
  !!value && /^\d{1,15}$/.test(value);

export function ipIdOf(serverId: number | string, ipId: number | string): string {
  return `${serverId}-${ipId}`;
}

export function parseIpId(nativeId: string): { serverId: string; ipId: string } | null {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(nativeId);
  return match ? { serverId: match[1], ipId: match[2] } : null;
}

export function diskIdOf(serverId: number | string, index: number): string {
  return `${serverId}-disk${index}`;
}

export function parseDiskId(nativeId: string): { serverId: string; index: number } | null {
  const match = /^(\d{1,15})-disk(\d{1,3})$/.exec(nativeId);
  return match ? { serverId: match[1], index: Number(match[2]) } : null;
}
