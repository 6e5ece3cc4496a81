import { NetworkState, ProviderKind, ServerState, VolumeState } from '../../../domain/states';
import { markedName } from '../../ports/markers';
import { ResourceNormalizer } from '../../registry/resource-normalizer';
import {
  isPublicAddress,
  toDisk,
  toImage,
  toIpAddress,
  toLocation,
  toNetwork,
  toPlan,
  toServer,
} from './mapper';
import type { DciServer } from '../client/wire';

const unknown: string[] = [];
const ctx = {
  onUnknownState: (resource: string, raw: string) => unknown.push(`${resource}:${raw}`),
  networkIdOf: (cidr: string) => (cidr === '192.0.2.0/24' ? '14' : null),
};

// Shaped like a row of the server list (docs/providers/dcimanager.md#the-server-object): nested location, ip[]
// with `name` as the address, `main_ipv4` as an ip id, owner as {id, email}.
const raw: DciServer = {
  id: 5120,
  uuid: '3f1e9a52-8c47-4d1b-9e0a-6b2f7d4c1a90',
  name: 'rk7-u12',
  domain: 'rk7-u12.example.net',
  user_note: `${markedName('db-primary', '01J0000000000000000ABCDEF12')}\nsecond line`,
  state: 'ok',
  power_status: 'on',
  operation: null,
  os_template: { id: 31, name: 'AlmaLinux 9', tags: ['linux'] },
  configuration: 'E-2288G-64Gb-2x1920SSD',
  is_custom_configuration: false,
  ip: [
    {
      id: 880,
      name: '192.0.2.44',
      family: 'ipv4',
      gateway: '192.0.2.1',
      network: '192.0.2.0/24',
      status: 'ok',
      domain: 'db.example.net',
    },
    { id: 881, name: '10.20.0.5', family: 'ipv4', network: '10.20.0.0/24', status: 'allocating' },
  ],
  main_ipv4: 880,
  owner: { id: 77, email: 'tenant@example.net' },
  owner_email: 'tenant@example.net',
  location: { id: 4, name: 'Frankfurt', geolocation: 'Example Allee 1', userspace: 2 },
  location_id: 4,
  rack: { id: 7, name: 'RK7' },
  unit: 12,
  has_errors: false,
};

// The core's view of what the mappers answer: gateway ids, stamped fields, names without the marker.
const normalizer = new ResourceNormalizer('dc1', ProviderKind.Dcimanager);

describe('DCImanager mappers', () => {
  beforeEach(() => (unknown.length = 0));

  it('should map a server: the note as its name, plan, location, addresses, disks, in native ids', () => {
    const server = toServer(ctx, raw);
    expect(server).not.toHaveProperty('id');
    expect(server).toMatchObject({
      nativeId: '5120',
      name: markedName('db-primary', '01J0000000000000000ABCDEF12'),
      state: ServerState.Running,
      providerState: 'on',
      cpuCores: null,
      memoryMb: 64 * 1024,
      imageId: '31',
      planId: 'E-2288G-64Gb-2x1920SSD',
      locationId: '4',
      volumeIds: ['5120-disk0', '5120-disk1'],
      networkIds: ['14'],
      ipAddresses: [
        { address: '192.0.2.44', version: 4, public: true },
        { address: '10.20.0.5', version: 4, public: false },
      ],
    });
    expect(server.extra).toMatchObject({
      inventoryName: 'rk7-u12',
      cpuModel: 'E-2288G',
      rack: 'RK7',
      diskGb: 3840,
    });
    expect(unknown).toEqual([]);
    // Normalized: the caller's name without the marker, references as gateway ids.
    expect(normalizer.server(server)).toMatchObject({
      id: 'dc1:5120',
      provider: 'dc1',
      providerKind: ProviderKind.Dcimanager,
      nativeId: '5120',
      name: 'db-primary',
      imageId: 'dc1:31',
      planId: 'dc1:E-2288G-64Gb-2x1920SSD',
      locationId: 'dc1:4',
      volumeIds: ['dc1:5120-disk0', 'dc1:5120-disk1'],
      networkIds: ['dc1:14'],
    });
  });

  it('should take the inventory name when the note holds only a marker', () => {
    const server = toServer(ctx, { ...raw, user_note: markedName('', '01J0000000000000000ABCDEF12') });
    expect(server.name).toBe('rk7-u12');
    expect(
      toDisk({ ...raw, user_note: `${markedName('db', '01J0000000000000000ABCDEF12')}\nx` }, 0)!.name,
    ).toBe('db disk 0 (1920 GB SSD)');
  });

  it('should fall back to the inventory name and the custom configuration', () => {
    const server = toServer(ctx, {
      ...raw,
      user_note: '',
      is_custom_configuration: true,
      custom_configuration: 'E-2288G-128Gb-2x1920SSD',
      location: null,
    });
    expect(server).toMatchObject({ name: 'rk7-u12', memoryMb: 128 * 1024, locationId: '4' });
  });

  it('should show a server during an OS install as provisioning with its progress', () => {
    const server = toServer(ctx, {
      ...raw,
      operation: {
        id: 7001,
        status: 'running',
        progress_info: [
          { name: 'a', status: 'complete' },
          { name: 'b', status: 'running' },
        ],
      },
    });
    expect(server).toMatchObject({ state: ServerState.Provisioning, providerState: 'operation:running' });
    expect(server.extra.operation).toEqual({ id: 7001, status: 'running', phase: 'running', progress: 50 });
  });

  it('should map addresses with composite ids', () => {
    const address = toIpAddress(ctx, raw, raw.ip![0]);
    expect(address).toMatchObject({
      nativeId: '5120-880',
      name: '192.0.2.44',
      state: 'attached',
      providerState: 'ok',
      address: '192.0.2.44',
      version: 4,
      serverId: '5120',
      networkId: '14',
      public: true,
      extra: { dciIpId: 880, main: true, domain: 'db.example.net' },
    });
    expect(normalizer.ip(address)).toMatchObject({
      id: 'dc1:5120-880',
      serverId: 'dc1:5120',
      networkId: 'dc1:14',
    });
    expect(toIpAddress(ctx, raw, { id: 9, name: '2001:db8::9', family: 'ipv6', status: 'ok' })).toMatchObject(
      { version: 6, networkId: null },
    );
  });

  it('should map IPmanager networks, local disks and the catalog', () => {
    expect(
      toNetwork({
        id: 14,
        name: '192.0.2.0/24',
        family: 2,
        mask: 24,
        gateway: '192.0.2.1',
        vlan: 300,
        total_ip: '254',
      }),
    ).toMatchObject({
      nativeId: '14',
      state: NetworkState.Available,
      cidr: '192.0.2.0/24',
      vlan: '300',
      extra: { family: 4, totalIp: 254 },
    });
    expect(toNetwork({ id: 15, name: '2001:db8:5::', mask: 48, family: 10 }).cidr).toBe('2001:db8:5::/48');
    const disk = toDisk(raw, 1)!;
    expect(disk).toMatchObject({
      nativeId: '5120-disk1',
      name: 'db-primary disk 1 (1920 GB SSD)',
      sizeGb: 1920,
      state: VolumeState.InUse,
      bootable: false,
      serverId: '5120',
    });
    expect(normalizer.volume(disk)).toMatchObject({ id: 'dc1:5120-disk1', serverId: 'dc1:5120' });
    expect(toDisk(raw, 2)).toBeNull();
    expect(toPlan({ configuration: 'E-2288G-64Gb-2x1920SSD', free_server_count: 3 })).toMatchObject({
      nativeId: 'E-2288G-64Gb-2x1920SSD',
      memoryMb: 65536,
      diskGb: 3840,
      available: 3,
      custom: false,
    });
    const image = toImage({ id: 31, name: 'AlmaLinux 9', tags: ['linux'] });
    expect(image).toMatchObject({ nativeId: '31', os: 'linux' });
    expect(normalizer.image(image)).toMatchObject({ id: 'dc1:31' });
    const location = toLocation({ id: 4, name: 'Frankfurt', userspace: 2 });
    expect(location).toMatchObject({ nativeId: '4', extra: { userspace: 2 } });
    expect(normalizer.location(location)).toMatchObject({ id: 'dc1:4' });
  });

  it('should answer no labels: DCImanager keeps none, the notes and template tags are no labels', () => {
    // The note carries the name (and a create's marker); os_template.tags describe the template, not the server.
    expect(toServer(ctx, raw).labels).toEqual({});
    expect(toIpAddress(ctx, raw, raw.ip![0]).labels).toEqual({});
    expect(toNetwork({ id: 14, name: '192.0.2.0/24', note: 'team=net' }).labels).toEqual({});
    expect(toDisk(raw, 0)!.labels).toEqual({});
    expect(normalizer.server(toServer(ctx, raw)).labels).toEqual({});
  });

  it('should tell public from private addresses', () => {
    expect(isPublicAddress('198.51.100.7')).toBe(true);
    expect(isPublicAddress('172.20.1.1')).toBe(false);
    expect(isPublicAddress('100.72.0.1')).toBe(false);
    expect(isPublicAddress('fd00::1')).toBe(false);
    expect(isPublicAddress('2001:db8::1')).toBe(true);
  });
});
