import { splitValues, type KvObject } from './cloudsigma.codec';

// Where drives sit on servers: device keys, boot lists, `claimed` entries and NIC keys (reference §6-7).

/** `ide:B:U`, `scsi:0:U`, `block:N` (N one number: JC's `block:0:N` was a bug). */
export const DEVICE_KEY = /^(ide:[01]:[01]|scsi:0:[0-7]|block:[0-7])$/;
const BLOCK_SLOTS = Array.from({ length: 8 }, (_, n) => `block:${n}`);
const ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;

export interface Device {
  key: string;
  driveId: string;
  media: 'disk' | 'cdrom';
  boot: boolean;
}

/** The drives a server has, in key order; media `disk` unless `<key>:media cdrom`. */
export function devicesOf(server: KvObject): Device[] {
  const boot = new Set(splitValues(server.boot));
  return Object.entries(server)
    .filter(([key, value]) => DEVICE_KEY.test(key) && !!value)
    .map(([key, value]) => ({
      key,
      driveId: value!,
      media: server[`${key}:media`] === 'cdrom' ? 'cdrom' : 'disk',
      boot: boot.has(key),
    }));
}

/** The first `block:N` slot free on a server (virtio block devices, as Dasein attaches them). */
export function freeBlockSlot(server: KvObject): string | undefined {
  return BLOCK_SLOTS.find((slot) => !server[slot]);
}

export interface Attachment {
  serverId: string;
  device: string;
  boot: boolean;
}

/** `<host>:guest:<server>:<device>` entries of `claimed`; other entries (imaging locks) are skipped. */
export function guestClaims(drive: KvObject): Array<{ serverId: string; device: string }> {
  return splitValues(drive.claimed)
    .map((claim) => claim.split(':'))
    .filter((parts) => parts[1] === 'guest' && parts.length >= 4)
    .map((parts) => ({ serverId: parts[2], device: parts.slice(3).join(':') }));
}

/**
 * Where a drive is attached: a server that has it as a disk device (the configuration is the truth, running
 * or not), else a guest claim (which may show only while a server runs [U]).
 */
export function attachmentOf(driveId: string, servers: KvObject[]): Attachment | null {
  for (const server of servers) {
    const device = devicesOf(server).find((d) => d.driveId === driveId && d.media === 'disk');
    if (device && server.server) return { serverId: server.server, device: device.key, boot: device.boot };
  }
  return null;
}

export function attachmentFrom(drive: KvObject, servers: KvObject[]): Attachment | null {
  const configured = drive.drive ? attachmentOf(drive.drive, servers) : null;
  if (configured) return configured;
  const claim = guestClaims(drive)[0];
  return claim ? { ...claim, boot: false } : null;
}

/** `nic:N:dhcp` keys holding an address (not `auto`, not empty). */
export function nicAddresses(server: KvObject): Array<{ nic: string; address: string; vlan: string | null }> {
  const found: Array<{ nic: string; address: string; vlan: string | null }> = [];
  for (const [key, value] of Object.entries(server)) {
    const match = /^nic:(\d+):dhcp$/.exec(key);
    if (match && value && ADDRESS.test(value))
      found.push({ nic: match[1], address: value, vlan: server[`nic:${match[1]}:vlan`] ?? null });
  }
  return found;
}

/** The server whose NIC holds this static address, and the NIC's key. */
export function holderOf(address: string, servers: KvObject[]): { serverId: string; key: string } | null {
  for (const server of servers) {
    const nic = nicAddresses(server).find((n) => n.address === address);
    if (nic && server.server) return { serverId: server.server, key: `nic:${nic.nic}:dhcp` };
  }
  return null;
}
