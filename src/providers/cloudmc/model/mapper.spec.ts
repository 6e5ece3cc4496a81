import { IpState, NetworkState, ServerState, VolumeState } from '../../../domain/states';
import { toImage, toIpAddress, toNetwork, toPlan, toServer, toSshKey, toVolume } from './mapper';

const unknown: string[] = [];
const ctx = {
  onUnknownState: (resource: string, raw: string) => unknown.push(`${resource}:${raw}`),
};

// Shaped like the instance in the v2 docs (instances_get), with the older templateId naming.
const instance = {
  id: '9db8ff2f-b49b-466d-a2f3-c1e6def408f4',
  name: 'backup_instance',
  computeOfferingId: '3caab5ed-b5a2-4d8a-82e4-51c46168ee6c',
  computeOfferingName: '1vCPU.512MB',
  cpuCount: 1,
  hostname: 'backup_instance',
  templateId: '5f968ad6-56d0-4d0d-ad7e-f8f4a5b5d986',
  templateName: 'CentOS 6.8 PV',
  ipAddress: '10.164.212.68',
  memoryInMB: 512,
  networkId: 'd5a68379-a9ee-404f-9492-a1964b374d6f',
  state: 'Running',
  zoneId: '04afdbd1-e32d-4999-86d0-96703736dded',
  zoneName: 'QC-1',
  publicIps: [{ id: '7a204b7f', ipAddress: '199.215.226.46', purposes: ['PORT_FORWARDING'] }],
};

describe('CloudMC mappers', () => {
  beforeEach(() => (unknown.length = 0));

  it('should map an instance to a native record with native references, and keep the raw state', () => {
    const server = toServer(
      ctx,
      instance,
      [{ id: 'vol-1', name: 'root', instanceId: instance.id, type: 'os' }],
      [],
    );
    expect(server).toMatchObject({
      nativeId: '9db8ff2f-b49b-466d-a2f3-c1e6def408f4',
      name: 'backup_instance',
      state: ServerState.Running,
      providerState: 'Running',
      cpuCores: 1,
      memoryMb: 512,
      imageId: '5f968ad6-56d0-4d0d-ad7e-f8f4a5b5d986',
      planId: '3caab5ed-b5a2-4d8a-82e4-51c46168ee6c',
      locationId: '04afdbd1-e32d-4999-86d0-96703736dded',
      volumeIds: ['vol-1'],
      networkIds: ['d5a68379-a9ee-404f-9492-a1964b374d6f'],
      ipAddresses: [
        { address: '10.164.212.68', version: 4, public: false },
        { address: '199.215.226.46', version: 4, public: true },
      ],
    });
    expect(server.extra).toMatchObject({
      imageName: 'CentOS 6.8 PV',
      zoneName: 'QC-1',
      computeOfferingName: '1vCPU.512MB',
    });
    // The gateway's own fields are the core's to stamp (resource-normalizer.ts), never the mapper's.
    for (const field of ['id', 'provider', 'providerKind', 'stateObservedAt'])
      expect(server).not.toHaveProperty(field);
  });

  it('should show an unmapped instance state as unknown and report it', () => {
    expect(toServer(ctx, { ...instance, state: 'Hibernating' }, [], []).state).toBe(ServerState.Unknown);
    expect(unknown).toEqual(['server:Hibernating']);
  });

  it('should mark root volumes bootable and attached ones in-use', () => {
    const volume = toVolume(ctx, {
      id: 'v',
      name: 'DOUGLAS-ADM',
      type: 'os',
      instanceId: 'i',
      state: 'Ready',
      sizeInGb: 40,
      creationDate: '2016-10-19T14:25:41-0400',
    });
    expect(volume).toMatchObject({
      state: VolumeState.InUse,
      bootable: true,
      sizeGb: 40,
      serverId: 'i',
      providerState: 'Ready',
    });
    expect(
      toVolume(ctx, { id: 'v', name: 'data', type: 'DATA', state: 'Ready', size: 21474836480 }),
    ).toMatchObject({ state: VolumeState.Available, bootable: false, sizeGb: 20 });
  });

  it('should map a network with its range', () => {
    expect(
      toNetwork(ctx, {
        id: 'n',
        name: 'Frontend',
        cidr: '10.169.254.0/24',
        gateway: '10.169.254.1',
        state: 'Implemented',
        vpcId: 'vpc',
      }),
    ).toMatchObject({
      state: NetworkState.Available,
      cidr: '10.169.254.0/24',
      gateway: '10.169.254.1',
      extra: { vpcId: 'vpc' },
    });
  });

  it('should show static NAT as attached to its instance and flag the source-NAT address', () => {
    expect(
      toIpAddress(ctx, {
        id: 'ip',
        ipAddress: '69.196.164.98',
        state: 'Allocated',
        purposes: ['STATIC_NAT'],
        instances: [{ id: 'i-1' }],
      }),
    ).toMatchObject({
      state: IpState.Attached,
      serverId: 'i-1',
      address: '69.196.164.98',
      public: true,
    });
    expect(
      toIpAddress(ctx, {
        id: 'ip2',
        ipAddress: '208.80.152.201',
        state: 'Allocated',
        purposes: ['SOURCE_NAT'],
      }),
    ).toMatchObject({
      state: IpState.Available,
      serverId: null,
      extra: { sourceNat: true },
    });
  });

  it("should say of every address whether it is the VPC's source-NAT address, whatever the purposes' case", () => {
    const sourceNat = toIpAddress(ctx, {
      id: '10001e7d-b4ef-489b-836e-0619a383bc8d',
      ipAddress: '208.80.152.201',
      state: 'Allocated',
      purposes: ['SOURCE_NAT'],
      vpcId: '0687f5ce-89f9-47c8-9f58-c522455d56eb',
    });
    expect(sourceNat.extra).toEqual({
      purposes: ['SOURCE_NAT'],
      sourceNat: true,
      vpcId: '0687f5ce-89f9-47c8-9f58-c522455d56eb',
    });
    expect(
      toIpAddress(ctx, { id: 'a', ipAddress: '203.0.113.9', state: 'Allocated', purposes: ['source_nat'] })
        .extra.sourceNat,
    ).toBe(true);
    for (const purposes of [[], ['PORT_FORWARDING'], ['STATIC_NAT'], undefined]) {
      const other = toIpAddress(ctx, { id: 'b', ipAddress: '203.0.113.10', state: 'Allocated', purposes });
      expect(other.extra.sourceNat).toBe(false);
    }
  });

  it('should map catalog entries', () => {
    expect(toImage({ id: 't', name: 'ubuntu', osTypeName: 'Other (64-bit)', ready: true })).toMatchObject({
      nativeId: 't',
      os: 'Other (64-bit)',
    });
    expect(toPlan({ id: 'c', name: 'Custom', custom: true, availableCpuCountValues: [1, 2] })).toMatchObject({
      custom: true,
      cpuCores: null,
      extra: { availableCpuCountValues: [1, 2] },
    });
  });

  it('should carry no labels (CloudMC keeps none) and never the user data an instance read shows', () => {
    const server = toServer(
      ctx,
      { ...instance, userData: '#cloud-config\npassword: x' } as typeof instance,
      [],
      [],
    );
    expect(server.labels).toEqual({});
    expect(JSON.stringify(server)).not.toContain('cloud-config');
    expect(toVolume(ctx, { id: 'v', name: 'v' }).labels).toEqual({});
    expect(toNetwork(ctx, { id: 'n', name: 'n' }).labels).toEqual({});
    expect(toIpAddress(ctx, { id: 'i', ipAddress: '203.0.113.9' }).labels).toEqual({});
  });

  it("should map an SSH key by name, with CloudMC's fingerprint in extra and the public key only when sent", () => {
    // The v2 docs' sshkeys_get sample: name and fingerprint only.
    expect(
      toSshKey({ name: 'mellon', fingerprint: '91:8d:71:ca:2d:2c:ad:97:26:db:cb:c3:df:9a:e9:b6' }),
    ).toEqual({
      nativeId: 'mellon',
      name: 'mellon',
      providerState: null,
      publicKey: null,
      extra: { fingerprint: '91:8d:71:ca:2d:2c:ad:97:26:db:cb:c3:df:9a:e9:b6' },
    });
    expect(toSshKey({ name: 'k', publicKey: ' ssh-ed25519 AAAA k@h\n' }).publicKey).toBe(
      'ssh-ed25519 AAAA k@h',
    );
  });
});
