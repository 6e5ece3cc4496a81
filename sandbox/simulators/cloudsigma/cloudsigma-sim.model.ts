import type { SimFields } from './cloudsigma-sim.text';

/** A drive: its stored keys (name, size, claim:type, tags, user:*, library metadata...) and its copy job. */
export interface DriveRecord {
  uuid: string;
  /** Owner: the account, or the library user `00000000-0000-0000-0000-000000000001`. */
  user: string;
  fields: SimFields;
  /** A clone still copying: real epoch ms when the copy was queued and when it ends. */
  imaging?: { queuedAt: number; startsAt: number; endsAt: number };
}

/** A server: the configuration keys as set (devices, nics, vnc, user:*...) plus run-time facts. */
export interface ServerRecord {
  uuid: string;
  config: SimFields;
  status: 'active' | 'stopped';
  /** The host it runs on (the first part of a drive's `claimed` entry). */
  host: string;
  /** Epoch seconds of the last start. */
  started?: number;
  /** Temporary address given at boot to `nic:0:dhcp auto` (or to a public nic:0 without a dhcp line). */
  tempIp?: string;
  /** True while an ACPI shutdown is pending in the guest. */
  shuttingDown?: boolean;
  rx: number;
  tx: number;
}

export interface StaticIpRecord {
  address: string;
  netmask: string;
  gateway: string;
  nameservers: string[];
}

export interface VlanRecord {
  uuid: string;
  name: string;
}

export interface Seed {
  library: DriveRecord[];
  drives: DriveRecord[];
  servers: ServerRecord[];
  ips: StaticIpRecord[];
  vlans: VlanRecord[];
}

export const LIBRARY_USER = '00000000-0000-0000-0000-000000000001';
export const PUBLIC_READERS = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Device keys of a server: `ide:B:U`, `scsi:0:U`, `block:N` (docs/providers/cloudsigma.md#devices-and-nics). */
export const DEVICE_KEY = /^(ide:[01]:[01]|scsi:0:[0-7]|block:[0-7])$/;
