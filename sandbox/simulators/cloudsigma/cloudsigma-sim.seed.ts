import {
  type DriveRecord,
  LIBRARY_USER,
  PUBLIC_READERS,
  type Seed,
  type ServerRecord,
} from './cloudsigma-sim.model';

// The seeded world: our own values (fixed ids so tests and people can refer to them), shaped after the manual.

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const SIM_IDS = {
  account: '5b0e3f7c-2a41-4d8e-9c6b-71f0a2d4e913',
  hostA: '0a11c3e5-7b9d-4f10-8e2a-3c5d7f9b1e24',
  hostB: '0b22d4f6-8cae-4021-9f3b-4d6e8a0c2f35',
  imageUbuntu: '4f3c1a2b-9d8e-4c7f-a6b5-0e1d2c3b4a59',
  imageDebian: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
  imageRocky: '2c4e6a8b-0d1f-4e3a-9b5c-7d9f1b3d5f7a',
  imageWindows: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
  cdAlpine: '1d3f5b7a-9c2e-4f6a-8b0d-2f4a6c8e0b1d',
  cdRescue: '6e5f4a3b-2c1d-4e0f-9a8b-7c6d5e4f3a2b',
  cdFreebsd: '3a5c7e9b-1d3f-4a5c-8e7b-9d1f3a5c7e9b',
  driveWebRoot: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  driveDbRoot: 'd2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a',
  driveDbData: 'e3f4a5b6-c7d8-4e9f-8a1b-2c3d4e5f6a7b',
  driveScratch: 'f4a5b6c7-d8e9-4f0a-9b2c-3d4e5f6a7b8c',
  serverWeb: 'a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d',
  serverDb: 'b8c9d0e1-f2a3-4b4c-9d5e-6f7a8b9c0d1e',
  vlan: '8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f',
  ipWeb: '192.0.2.20',
  ipFree: '192.0.2.21',
} as const;

const NOTES =
  'Preinstalled system.\\n\\n1. Log in through VNC.\\n2. Change the root password at once.\\n3. Grow the partition if you chose a larger drive.';

function library(
  uuid: string,
  name: string,
  type: 'disk' | 'cdrom',
  size: number,
  extra: Record<string, string>,
): DriveRecord {
  const fields = new Map<string, string>([
    ['name', name],
    ['size', String(size)],
    ['type', type],
    ['claim:type', 'shared'],
    ['readers', PUBLIC_READERS],
    ['free', 'true'],
    ['favourite', 'false'],
    ['encryption:cipher', 'aes-xts-plain'],
    ['autoexpanding', 'false'],
    ['use', 'general'],
    ...Object.entries(extra),
  ]);
  return { uuid, user: LIBRARY_USER, fields };
}

function createLibrary(): DriveRecord[] {
  const linux = (bits: string) => ({ os: 'linux', bits, drive_type: 'preinstalled', install_notes: NOTES });
  return [
    library(SIM_IDS.imageUbuntu, 'Ubuntu 22.04 Server 64bit Preinstalled System', 'disk', 10 * GiB, {
      ...linux('64'),
      description: 'Ubuntu Server with OpenSSH, ready to boot.',
      url: 'https://ubuntu.example.org/',
    }),
    library(SIM_IDS.imageDebian, 'Debian 12 Minimal 64bit Preinstalled', 'disk', 5 * GiB, {
      ...linux('64'),
      description: 'A minimal Debian system.',
    }),
    library(SIM_IDS.imageRocky, 'Rocky Linux 9 64bit Preinstalled', 'disk', 20 * GiB, {
      ...linux('64'),
      description: 'Enterprise-class Linux, binary compatible with its upstream.',
    }),
    library(SIM_IDS.imageWindows, 'Windows Server 2022 Standard Preinstalled', 'disk', 40 * GiB, {
      os: 'windows',
      bits: '64',
      drive_type: 'preinstalled',
      licenses: 'msft_sim_00001',
      description: 'Change the Administrator password on first login; see &quot;install notes&quot;.',
    }),
    library(SIM_IDS.cdAlpine, 'Alpine Linux 3.19 Install CD', 'cdrom', 256 * MiB, {
      os: 'linux',
      bits: '64',
      drive_type: 'installcd,livecd',
      description: 'Small, simple and secure.',
    }),
    library(SIM_IDS.cdRescue, 'SystemRescue 11 Live CD', 'cdrom', 900 * MiB, {
      os: 'linux',
      bits: '64',
      drive_type: 'livecd',
      description: 'Repair an unbootable system; it&#39;s all in RAM.',
      // Library CDs show other customers' servers in `claimed` (libcloud's recorded library answer:
      // docs/providers/cloudsigma.md#drives-on-several-servers).
      claimed: `${SIM_IDS.hostB}:guest:0f0e0d0c-0b0a-4909-8807-060504030201:ide:1:0`,
    }),
    library(SIM_IDS.cdFreebsd, 'FreeBSD 14 Install CD', 'cdrom', 1200 * MiB, {
      os: 'other',
      bits: '64',
      drive_type: 'installcd',
      description: 'FreeBSD – für Server und Arbeitsplätze (UTF-8 text).',
    }),
  ];
}

function account(uuid: string, name: string, size: number, extra: Record<string, string> = {}): DriveRecord {
  const fields = new Map<string, string>([
    ['name', name],
    ['size', String(size)],
    ['claim:type', 'exclusive'],
    ['encryption:cipher', 'aes-xts-plain'],
    ...Object.entries(extra),
  ]);
  return { uuid, user: SIM_IDS.account, fields };
}

function server(uuid: string, status: ServerRecord['status'], config: Array<[string, string]>): ServerRecord {
  return { uuid, status, config: new Map(config), host: SIM_IDS.hostA, rx: 0, tx: 0 };
}

/** The world a reset restores. */
export function createSeed(nowSeconds: number): Seed {
  const web = server(SIM_IDS.serverWeb, 'active', [
    ['name', 'web'],
    ['cpu', '2000'],
    ['smp', '1'],
    ['mem', '2048'],
    ['persistent', 'true'],
    ['ide:0:0', SIM_IDS.driveWebRoot],
    ['ide:0:0:media', 'disk'],
    ['boot', 'ide:0:0'],
    ['nic:0:model', 'virtio'],
    ['nic:0:dhcp', SIM_IDS.ipWeb],
    ['nic:0:block', 'tcp/25'],
    ['nic:1:model', 'e1000'],
    ['nic:1:vlan', SIM_IDS.vlan],
    ['nic:1:mac', '5e:11:22:33:44:55'],
    ['vnc:ip', 'auto'],
    ['vnc:password', 'Sim0pen8'],
    ['user:team', 'frontend'],
  ]);
  web.started = nowSeconds - 86_400;
  web.rx = 91_234;
  web.tx = 8_765;
  const db = server(SIM_IDS.serverDb, 'stopped', [
    ['name', 'db'],
    ['cpu', '4000'],
    ['smp', 'auto'],
    ['mem', '4096'],
    ['persistent', 'true'],
    ['ide:0:0', SIM_IDS.driveDbRoot],
    ['ide:0:0:media', 'disk'],
    ['block:0', SIM_IDS.driveDbData],
    ['ide:1:0', SIM_IDS.cdRescue],
    ['ide:1:0:media', 'cdrom'],
    ['boot', 'ide:0:0'],
    ['nic:0:model', 'e1000'],
    ['nic:0:dhcp', 'auto'],
    ['vnc:ip', 'auto'],
  ]);
  db.host = SIM_IDS.hostB;
  const preinstalled = { type: 'disk', os: 'linux', bits: '64', drive_type: 'preinstalled' };
  return {
    library: createLibrary(),
    drives: [
      account(SIM_IDS.driveWebRoot, 'web-root', 20 * GiB, preinstalled),
      account(SIM_IDS.driveDbRoot, 'db-root', 20 * GiB, preinstalled),
      account(SIM_IDS.driveDbData, 'db-data', 100 * GiB, { tags: 'affinity:ssd' }),
      account(SIM_IDS.driveScratch, 'scratch', 8 * GiB, { 'user:owner': 'team-a', use: 'backup tmp' }),
    ],
    servers: [web, db],
    ips: [SIM_IDS.ipWeb, SIM_IDS.ipFree].map((address) => ({
      address,
      netmask: '255.255.255.0',
      gateway: '192.0.2.1',
      nameservers: ['192.0.2.2', '192.0.2.3'],
    })),
    vlans: [{ uuid: SIM_IDS.vlan, name: 'backend' }],
  };
}
