import { splitValues, type KvObject } from '../client/codec';

// Where drives sit on servers: device keys, boot lists, `claimed` entries and NIC keys
// (docs/providers/cloudsigma.md#devices-and-nics).

/** `ide:B:U`, `scsi:0:U`, `block:N`, N one number (docs/providers/cloudsigma.md#devices-and-nics). */
export const DEVICE_KEY = /^(ide:[01]:[01]|scsi:0:[0-7]|block:[0-7])$/;
const BLOCK_SLOTS = Array.from({ length: 8 }, (_, n) => `block:${n}`);
const ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;

export interface Device {
  key: string;
  driveId: string;
  media: 'disk' | 'cdrom';
  boot: boolean;
}

/**
 * Where a server without a `boot` key boots from: every client's create recipe boots from `ide:0:0`, an inferred
 * default (docs/providers/cloudsigma.md#boot-drives).
 */
export const DEFAULT_BOOT_SLOT = 'ide:0:0';

/** The devices a server boots from: its `boot` list, else the default boot slot (docs/providers/cloudsigma.md#boot-drives). */
export function bootDevices(server: KvObject): Set<string> {
  const listed = splitValues(server.boot);
  return new Set(listed.length ? listed : [DEFAULT_BOOT_SLOT]);
}

/** The drives a server has, in key order; media `disk` unless `<key>:media cdrom`. */
export function devicesOf(server: KvObject): Device[] {
  const boot = bootDevices(server);
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
  /** The server boots from this drive. */
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
 * Every place a drive is attached (a shared drive can be on several servers), in the order of its `claimed`
 * list, then the account's servers that have it but no claim shows: whether a stopped server claims is unknown
 * (docs/providers/cloudsigma.md#drives-on-several-servers). For a server of the account its configuration
 * names the devices and the boot list; a claim on any other server is taken as it stands, and it boots from the
 * drive when the drive is an OS disk (`type disk`) at the default boot slot, an inferred reading
 * (docs/providers/cloudsigma.md#boot-drives).
 */
export function attachmentsFrom(drive: KvObject, servers: KvObject[]): Attachment[] {
  const found: Attachment[] = [];
  const seen = new Set<string>();
  const add = (attachment: Attachment) => {
    const key = `${attachment.serverId} ${attachment.device}`;
    if (seen.has(key)) return;
    seen.add(key);
    found.push(attachment);
  };
  const configured = (server: KvObject) =>
    devicesOf(server)
      .filter((d) => d.driveId === drive.drive)
      .map((d) => ({ serverId: server.server!, device: d.key, boot: d.boot && d.media === 'disk' }));
  const known = new Map(servers.filter((s) => s.server).map((s) => [s.server!, s]));
  for (const claim of guestClaims(drive)) {
    const server = known.get(claim.serverId);
    const devices = server && drive.drive ? configured(server) : [];
    if (devices.length) devices.forEach(add);
    else add({ ...claim, boot: drive.type === 'disk' && claim.device === DEFAULT_BOOT_SLOT });
  }
  if (drive.drive) for (const server of known.values()) configured(server).forEach(add);
  return found;
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

/**
 * The public address `vnc:ip` shows while the server runs (it equals the public IP then). A running server may
 * show it there only, without a `nic:0:dhcp` line (docs/providers/cloudsigma.md#a-servers-public-address).
 */
export function vncAddress(server: KvObject): string | null {
  const value = server['vnc:ip'];
  if ((server.status ?? '').toLowerCase() !== 'active' || !value || !ADDRESS.test(value)) return null;
  return value;
}

/** The server whose NIC holds this static address, and the NIC's key. */
export function holderOf(address: string, servers: KvObject[]): { serverId: string; key: string } | null {
  for (const server of servers) {
    const nic = nicAddresses(server).find((n) => n.address === address);
    if (nic && server.server) return { serverId: server.server, key: `nic:${nic.nic}:dhcp` };
  }
  return null;
}
