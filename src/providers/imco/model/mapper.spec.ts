import {
  toGenericImage,
  toIpAddress,
  toLocation,
  toNetwork,
  toPlan,
  toServer,
  toSshKey,
  toTemplateImage,
  toVolume,
} from './mapper';
import { NativeRef } from '../../ports/native';
import type { ImFloatingIp, ImServer, ImServerPlan, ImVolume } from '../client/wire.types';

// Payloads shaped like IMCO's documented field lists (docs/providers/imco.md#servers and the sections after it),
// with our own values. The mapper answers native records: IMCO's ids everywhere, no gateway fields.

const unknown: string[] = [];
const ctx = {
  onUnknownState: (resource: string, raw: string) => unknown.push(`${resource}:${raw}`),
};

const server: ImServer = {
  id: '5f1a2b3c4d5e6f7a8b9c0d1e',
  name: 'db-1',
  fqdn: 'db-1.example.imco',
  state: 'operational',
  public_ip: '192.0.2.44',
  private_ip: '10.1.0.12',
  template_id: '5f1a2b3c4d5e6f7a8b9c0001',
  server_plan_id: '5f1a2b3c4d5e6f7a8b9c0002',
  cloud_account_id: '5f1a2b3c4d5e6f7a8b9c0003',
  ssh_profile_id: '5f1a2b3c4d5e6f7a8b9c0004',
  ssh_profile_ids: ['5f1a2b3c4d5e6f7a8b9c0004', '5f1a2b3c4d5e6f7a8b9c0005'],
  firewall_profile_id: '5f1a2b3c4d5e6f7a8b9c0006',
  brownfield_state: 'Pure',
  server_array_id: null,
  subnet_id: '5f1a2b3c4d5e6f7a8b9c0007',
  vpc_id: '5f1a2b3c4d5e6f7a8b9c0008',
  privateness: false,
  resource_type: 'server',
  label_ids: [],
};

const plan: ImServerPlan = {
  id: '5f1a2b3c4d5e6f7a8b9c0002',
  name: 'c5.large',
  memory: 4096,
  cpus: 2,
  storage: 30,
  realm_id: '5f1a2b3c4d5e6f7a8b9c0009',
  cloud_provider_id: '5f1a2b3c4d5e6f7a8b9c0010',
  realm_provider_name: 'eastus',
  flavour_provider_name: 'Standard_D2s_v3',
};

const volume: ImVolume = {
  id: '5f1a2b3c4d5e6f7a8b9c0011',
  name: 'db-data',
  size: 100,
  state: 'attached',
  device: '/dev/sdf',
  storage_plan_id: '5f1a2b3c4d5e6f7a8b9c0012',
  cloud_account_id: server.cloud_account_id,
  realm_id: plan.realm_id,
  attached_server_id: server.id,
  remote_id: 'vol-1234',
  brownfield: false,
  label_ids: [],
};

const floating: ImFloatingIp = {
  id: '5f1a2b3c4d5e6f7a8b9c0013',
  name: 'db-public',
  address: '2001:db8::10',
  state: 'attached',
  cloud_account_id: server.cloud_account_id,
  realm_id: plan.realm_id,
  attached_server_id: server.id,
};

beforeEach(() => (unknown.length = 0));

describe('IMCO mapper', () => {
  it('should map a server with its plan, volumes, floating IPs and network, in IMCO ids', () => {
    const mapped = toServer(ctx, server, { volumes: [volume], floatingIps: [floating], plan });
    expect(mapped).toMatchObject({
      nativeId: '5f1a2b3c4d5e6f7a8b9c0d1e',
      name: 'db-1',
      state: 'running',
      providerState: 'operational',
      cpuCores: 2,
      memoryMb: 4096,
      imageId: '5f1a2b3c4d5e6f7a8b9c0001',
      planId: '5f1a2b3c4d5e6f7a8b9c0002',
      locationId: '5f1a2b3c4d5e6f7a8b9c0009',
      volumeIds: ['5f1a2b3c4d5e6f7a8b9c0011'],
      networkIds: ['5f1a2b3c4d5e6f7a8b9c0008'],
      ipAddresses: [
        { address: '10.1.0.12', version: 4, public: false },
        { address: '192.0.2.44', version: 4, public: true },
        { address: '2001:db8::10', version: 6, public: true },
      ],
    });
    expect(mapped.extra).toEqual({
      fqdn: 'db-1.example.imco',
      cloudAccountId: server.cloud_account_id,
      firewallProfileId: server.firewall_profile_id,
      sshProfileIds: server.ssh_profile_ids,
      subnetId: server.subnet_id,
      privateness: false,
      brownfieldState: 'Pure',
      planName: 'c5.large',
      diskGb: 30,
    });
    for (const stamped of ['id', 'provider', 'providerKind', 'stateObservedAt'])
      expect(mapped).not.toHaveProperty(stamped);
  });

  it('should map a v2 server (single SSH profile, no plan known, no addresses yet) and report odd states', () => {
    const v2: ImServer = {
      id: server.id,
      name: 'x',
      state: 'migrating',
      ssh_profile_id: 'p1',
      public_ip: null,
      private_ip: null,
    };
    const mapped = toServer(ctx, v2, { volumes: [], floatingIps: [] });
    expect(mapped).toMatchObject({
      state: 'unknown',
      providerState: 'migrating',
      cpuCores: null,
      locationId: null,
      ipAddresses: [],
      networkIds: [],
    });
    expect(mapped.extra).toEqual({ sshProfileIds: ['p1'] });
    expect(unknown).toEqual(['server:migrating']);
  });

  it('should map volumes, with in-use from the attachment', () => {
    expect(toVolume(ctx, volume)).toMatchObject({
      state: 'in-use',
      sizeGb: 100,
      serverId: server.id,
      bootable: false,
      extra: { device: '/dev/sdf', remoteId: 'vol-1234', realmId: plan.realm_id },
    });
    expect(toVolume(ctx, { id: 'v', size: '8', state: 'detached', attached_server_id: null })).toMatchObject({
      state: 'available',
      sizeGb: 8,
      serverId: null,
    });
  });

  it('should map a VPC with its subnets', () => {
    const network = toNetwork(
      ctx,
      {
        id: 'vpc1',
        name: 'main',
        cidr: '10.1.0.0/16',
        state: 'active',
        realm_provider_name: 'eastus',
        has_vpn: false,
      },
      [
        {
          id: 's1',
          name: 'front',
          cidr: '10.1.1.0/24',
          type: 'only_public',
          state: 'active',
          vpc_id: 'vpc1',
        },
        { id: 's2', name: 'other', cidr: '10.9.1.0/24', vpc_id: 'vpc2' },
      ],
    );
    expect(network).toMatchObject({ state: 'available', cidr: '10.1.0.0/16', gateway: null, vlan: null });
    expect(network.extra).toEqual({
      realmProviderName: 'eastus',
      hasVpn: false,
      subnets: [{ id: 's1', name: 'front', cidr: '10.1.1.0/24', type: 'only_public', state: 'active' }],
    });
  });

  it('should map floating IPs', () => {
    expect(toIpAddress(ctx, floating)).toMatchObject({
      name: 'db-public',
      state: 'attached',
      address: '2001:db8::10',
      version: 6,
      serverId: server.id,
      public: true,
      networkId: null,
    });
    expect(toIpAddress(ctx, { id: 'f', state: 'commissioning', address: null })).toMatchObject({
      state: 'allocating',
      address: '',
      version: 4,
    });
  });

  it('should read label_ids as gateway labels on every labelled type, never a marker or a label of IMCO', () => {
    const labels = new Map([
      ['L1', { id: 'L1', name: 'env prod' }],
      ['L2', { id: 'L2', name: 'gw0000000042' }],
      ['L3', { id: 'L3', name: 'owner ops_aexample.com' }],
      ['L4', { id: 'L4', name: 'app', namespace: 'cat:deployment' }],
    ]);
    const label_ids = ['L1', 'L2', 'L3', 'L4', 'L9'];
    const expected = { env: 'prod', owner: 'ops@example.com' };
    expect(toServer(ctx, { ...server, label_ids }, { volumes: [], floatingIps: [], labels }).labels).toEqual(
      expected,
    );
    expect(toVolume(ctx, { ...volume, label_ids }, labels).labels).toEqual(expected);
    expect(toNetwork(ctx, { id: 'n', name: 'n', label_ids }, [], labels).labels).toEqual(expected);
    expect(toIpAddress(ctx, { ...floating, label_ids }, labels).labels).toEqual(expected);
    // The raw ids stay in `extra`, as before.
    expect(toVolume(ctx, { ...volume, label_ids }, labels).extra.labelIds).toEqual(label_ids);
    expect(toServer(ctx, server, { volumes: [], floatingIps: [] }).labels).toEqual({});
  });

  it('should map SSH profiles as SSH keys, without a public key that is not an OpenSSH one', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvvUCDnhIgeSk5Qq/0wz+MsQ7WlcX8K4F3qNq1hXHcJ dev@laptop';
    expect(toSshKey({ id: 'p1', name: 'laptop', public_key: `${key}\n`, label_ids: ['L1'] })).toEqual({
      nativeId: 'p1',
      name: 'laptop',
      providerState: null,
      publicKey: key,
      extra: { labelIds: ['L1'] },
    });
    expect(toSshKey({ id: 'p2', name: 'odd', public_key: 'ssh-rsa nope' }).publicKey).toBeNull();
    expect(toSshKey({ id: 'p3', name: 'none', public_key: null }).publicKey).toBeNull();
  });

  it('should map templates, generic images, plans and realms for the catalog', () => {
    const generic = { id: 'g1', name: 'Ubuntu 22.04' };
    expect(
      toTemplateImage({ id: 't1', name: 'web', generic_image_id: 'g1', state: 'ready' }, [generic]),
    ).toEqual({
      nativeId: 't1',
      name: 'web',
      os: 'Ubuntu 22.04',
      extra: { kind: 'template', genericImageId: 'g1', state: 'ready' },
    });
    expect(toGenericImage(generic)).toMatchObject({
      nativeId: 'g1',
      os: 'Ubuntu 22.04',
      extra: { kind: 'generic_image' },
    });
    expect(toPlan(plan)).toMatchObject({
      nativeId: plan.id,
      cpuCores: 2,
      memoryMb: 4096,
      diskGb: 30,
      custom: false,
      available: null,
      extra: {
        realmId: plan.realm_id,
        // A reference inside `extra`: the core turns it into the realm's gateway id.
        locationId: new NativeRef(plan.realm_id!),
        flavourProviderName: 'Standard_D2s_v3',
      },
    });
    expect(
      toLocation({
        id: 'r1',
        name: 'East US',
        provider_name: 'eastus',
        cloud_provider_id: 'p',
        deprecated: false,
      }),
    ).toEqual({
      nativeId: 'r1',
      name: 'East US',
      extra: { providerName: 'eastus', cloudProviderId: 'p', deprecated: false },
    });
  });
});
