import type {
  IpRecord,
  IpnetRecord,
  LocationRecord,
  OsTemplateRecord,
  PoolRecord,
  PowerStatus,
  ServerRecord,
  UserRecord,
} from './dcimanager-sim.model';

// The seeded data centre: two locations, a few customers' servers and free stock. Addresses come from the
// documentation ranges, so a simulated address can never be a real one.

export const SIM_ADMIN_EMAIL = 'dci-admin@sandbox.example';
export const SIM_OWNER_EMAIL = 'customer@sandbox.example';
export const SIM_OTHER_EMAIL = 'someone-else@sandbox.example';

export const SEED_CONFIGURATIONS = {
  small: 'E3-1230v6-32Gb-2x480SSD',
  storage: 'E5-2630v4-128Gb-2x960SSD-2x4000HDD',
  nvme: 'EPYC-7302P-256Gb-2x1920NVMe',
  desktop: 'i7-8700-64Gb-1x512NVMe',
} as const;

export const SEED_IDS = {
  admin: 1,
  owner: 2,
  other: 3,
  north: 1,
  south: 2,
  debian: 11,
  ubuntu: 12,
  rocky: 13,
  windows: 14,
  ownedRunning: 101,
  ownedStopped: 102,
  ownedNoBmc: 103,
  othersServer: 104,
  netNorthV4: 1,
  netNorthV6: 2,
  netSouthV4: 3,
  poolNorth: 1,
  poolSouth: 2,
} as const;

export interface Seed {
  users: UserRecord[];
  locations: LocationRecord[];
  osTemplates: OsTemplateRecord[];
  ipnets: IpnetRecord[];
  pools: PoolRecord[];
  servers: ServerRecord[];
  ips: IpRecord[];
}

interface ServerSpec {
  id: number;
  name: string;
  configuration: string;
  locationId: number;
  power?: PowerStatus;
  ownerId?: number;
  osTemplateId?: number;
  userNote?: string;
  isNew?: boolean;
  hasIpmi?: boolean;
}

function server(spec: ServerSpec): ServerRecord {
  const hex = spec.id.toString(16).padStart(4, '0');
  const north = spec.locationId === SEED_IDS.north;
  const rack = Number(spec.name.split('-')[1].slice(1));
  return {
    id: spec.id,
    uuid: `00000000-0000-4000-8000-${String(spec.id).padStart(12, '0')}`,
    name: spec.name,
    domain: `${spec.name}.dc.sandbox.example`,
    note: '',
    userNote: spec.userNote ?? '',
    barcode: `SBX${spec.id}`,
    serialNumber: `SN-SBX-${spec.id}`,
    mac: `02:00:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
    configuration: spec.configuration,
    locationId: spec.locationId,
    rack: { id: rack, name: `${north ? 'NB' : 'SB'}-R${rack}`, size: 42 },
    unit: Number(spec.name.split('-u')[1]),
    power: spec.power ?? 'off',
    state: 'ok',
    stateInfo: null,
    operation: null,
    osTemplateId: spec.osTemplateId ?? null,
    installedKeys: [],
    ownerId: spec.ownerId ?? null,
    isNew: spec.isNew ?? false,
    hasErrors: false,
    hasIpmi: spec.hasIpmi ?? true,
    mainIpv4: null,
    mainIpv6: null,
    switchPorts: [
      {
        id: 700 + spec.id,
        switchId: north ? 31 : 32,
        switchName: north ? 'nb-sw-1' : 'sb-sw-1',
        description: `Ethernet1/${spec.id % 48}`,
        adminStatus: 'up',
        operStatus: 'up',
        vlanId: north ? 110 : 210,
        vlanName: north ? 'north-public' : 'south-public',
      },
    ],
  };
}

const ip = (id: number, address: string, serverId: number, ipnetId: number): IpRecord => ({
  id,
  address,
  family: address.includes(':') ? 'ipv6' : 'ipv4',
  ipnetId,
  serverId,
  domain: '',
  status: 'ok',
  statusInfo: null,
});

export function createSeed(adminPassword: string): Seed {
  const { small, storage, nvme, desktop } = SEED_CONFIGURATIONS;
  const { north, south, owner, other } = SEED_IDS;
  const servers = [
    server({
      id: 101,
      name: 'nb-r1-u01',
      configuration: small,
      locationId: north,
      power: 'on',
      ownerId: owner,
      osTemplateId: 11,
      userNote: 'web-1',
    }),
    server({
      id: 102,
      name: 'nb-r1-u02',
      configuration: desktop,
      locationId: north,
      ownerId: owner,
      osTemplateId: 12,
    }),
    server({
      id: 103,
      name: 'sb-r5-u03',
      configuration: '',
      locationId: south,
      power: 'unknown',
      ownerId: owner,
      hasIpmi: false,
    }),
    server({
      id: 104,
      name: 'nb-r1-u04',
      configuration: small,
      locationId: north,
      power: 'on',
      ownerId: other,
      osTemplateId: 13,
    }),
    server({ id: 105, name: 'nb-r2-u05', configuration: small, locationId: north }),
    server({ id: 106, name: 'nb-r2-u06', configuration: small, locationId: north }),
    server({ id: 107, name: 'nb-r2-u07', configuration: small, locationId: north }),
    server({ id: 108, name: 'nb-r2-u08', configuration: storage, locationId: north }),
    server({ id: 109, name: 'nb-r3-u09', configuration: nvme, locationId: north }),
    server({ id: 110, name: 'nb-r3-u10', configuration: small, locationId: north, isNew: true }),
    server({ id: 111, name: 'sb-r6-u11', configuration: small, locationId: south }),
    server({ id: 112, name: 'sb-r6-u12', configuration: small, locationId: south }),
    server({ id: 113, name: 'sb-r6-u13', configuration: storage, locationId: south }),
  ];
  const ips = [
    ip(501, '203.0.113.10', 101, 1),
    ip(502, '203.0.113.11', 102, 1),
    ip(503, '198.51.100.10', 103, 3),
    ip(504, '203.0.113.12', 104, 1),
    ip(505, '203.0.113.20', 105, 1),
    ip(506, '203.0.113.21', 106, 1),
    ip(507, '203.0.113.22', 107, 1),
    ip(508, '203.0.113.23', 108, 1),
    ip(509, '203.0.113.24', 109, 1),
    ip(510, '2001:db8:10::10', 101, 2),
  ];
  // Stock in the south carries no address: installing an OS there needs one allocated first.
  for (const record of ips) {
    const host = servers.find((s) => s.id === record.serverId)!;
    record.domain = host.domain;
    if (record.family === 'ipv4') host.mainIpv4 ??= record.id;
    else host.mainIpv6 ??= record.id;
  }
  return {
    users: [
      {
        id: 1,
        email: SIM_ADMIN_EMAIL,
        password: adminPassword,
        fullName: 'Gateway',
        role: '@admin',
        vlansPerUser: 0,
      },
      {
        id: 2,
        email: SIM_OWNER_EMAIL,
        password: 'customer-pass-1',
        fullName: 'Customer',
        role: '@user',
        vlansPerUser: 5,
      },
      {
        id: 3,
        email: SIM_OTHER_EMAIL,
        password: 'other-pass-1',
        fullName: 'Other',
        role: '@user',
        vlansPerUser: 5,
      },
    ],
    locations: [
      { id: north, name: 'North (sandbox)', geolocation: 'Example Street 1, North City', userspace: 1 },
      { id: south, name: 'South (sandbox)', geolocation: 'Example Road 2, South Town', userspace: 2 },
    ],
    osTemplates: [
      { id: 11, name: 'Debian 12', tags: ['linux', 'debian'] },
      { id: 12, name: 'Ubuntu 22.04', tags: ['linux', 'ubuntu'] },
      { id: 13, name: 'Rocky Linux 9', tags: ['linux', 'rhel'] },
      { id: 14, name: 'Windows Server 2022', tags: ['windows'] },
    ],
    ipnets: [
      {
        id: 1,
        name: '203.0.113.0/24',
        family: 2,
        mask: 24,
        gateway: '203.0.113.1',
        userspace: 1,
        vlan: '110',
        note: 'north public',
        poolId: 1,
      },
      {
        id: 2,
        name: '2001:db8:10::/64',
        family: 10,
        mask: 64,
        gateway: '2001:db8:10::1',
        userspace: 1,
        vlan: '110',
        note: 'north public v6',
        poolId: 1,
      },
      {
        id: 3,
        name: '198.51.100.0/24',
        family: 2,
        mask: 24,
        gateway: '198.51.100.1',
        userspace: 2,
        vlan: '210',
        note: 'south public',
        poolId: 2,
      },
    ],
    pools: [
      { id: 1, name: 'north-public', userspace: 1, note: '' },
      { id: 2, name: 'south-public', userspace: 2, note: '' },
    ],
    servers,
    ips,
  };
}

/** The network of the extra stock's addresses: shared address space, which the seed's ranges leave alone. */
const STOCK_NET = { base: '100.66', mask: 16 } as const;

/** Ids of the extra stock start here, well above the seed's. */
const STOCK_FIRST_ID = 10_000;

/**
 * `count` more free servers of the small configuration in the north (`POST /__sim/config {"stock": n}`), each with
 * a main IPv4 of a network of their own, so a run that takes many servers from stock (the bench's 10,000 tasks)
 * does not run dry. `added` is how many earlier calls added; the network comes with the first.
 */
export function extraStock(
  count: number,
  added: number,
  nextIpId: () => number,
): { servers: ServerRecord[]; ips: IpRecord[]; ipnet: IpnetRecord | null } {
  const netId = 100;
  const ipnet: IpnetRecord | null =
    added > 0
      ? null
      : {
          id: netId,
          name: `${STOCK_NET.base}.0.0/${STOCK_NET.mask}`,
          family: 2,
          mask: STOCK_NET.mask,
          gateway: `${STOCK_NET.base}.0.1`,
          userspace: 1,
          vlan: '110',
          note: 'north stock',
          poolId: SEED_IDS.poolNorth,
        };
  const servers: ServerRecord[] = [];
  const ips: IpRecord[] = [];
  for (let i = added; i < added + count; i++) {
    const id = STOCK_FIRST_ID + i;
    const host = server({
      id,
      name: `nb-r${100 + Math.floor(i / 42)}-u${String((i % 42) + 1).padStart(2, '0')}`,
      configuration: SEED_CONFIGURATIONS.small,
      locationId: SEED_IDS.north,
    });
    // Hosts from .0.10 up, as the simulator hands addresses out (room for routers below).
    const at = i + 10;
    const address = ip(nextIpId(), `${STOCK_NET.base}.${Math.floor(at / 256)}.${at % 256}`, id, netId);
    address.domain = host.domain;
    host.mainIpv4 = address.id;
    servers.push(host);
    ips.push(address);
  }
  return { servers, ips, ipnet };
}
