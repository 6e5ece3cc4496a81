import { mapListed, mapOne, validItems } from '../../kit/wire';
import { toServer } from '../model/mapper';
import {
  COMPUTE_OFFERING,
  DISK_OFFERING,
  INSTANCE,
  NETWORK,
  NETWORK_ACL,
  NETWORK_OFFERING,
  PUBLIC_IP,
  SSH_KEY,
  TASK,
  TEMPLATE,
  VOLUME,
  VPC,
  ZONE,
} from './wire';

// Payloads shaped like recorded CloudMC bodies (the v2 docs' samples, the 2016 v1 docs' task result, go-cloudca's
// test payloads: docs/providers/cloudmc.md#what-the-adapter-checks): same fields, types and nesting, other values.
const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const listedInstance = {
  id: U(1),
  name: 'app_1',
  affinityGroupIds: [],
  computeOfferingId: U(2),
  computeOfferingName: '2vCPU.2GB',
  cpuCount: 2,
  hostname: 'app_1',
  imageId: U(3),
  imageName: 'Debian 12',
  ipAddress: '10.1.2.3',
  isPasswordEnabled: true,
  macAddress: '02:00:aa:bb:00:01',
  memoryInMB: 2048,
  networkId: U(4),
  networkName: 'Web-area',
  state: 'Running',
  username: 'cca-user',
  vpcId: U(5),
  vpcName: 'main-VPC',
  zoneId: U(6),
  zoneName: 'QC-2',
};

/** A copy without one field, as a backend that leaves it out sends it. */
const without = (object: Record<string, unknown>, field: string) =>
  Object.fromEntries(Object.entries(object).filter(([key]) => key !== field));

const FIXTURE_SHAPES: Array<[string, { is(value: unknown): boolean }, unknown[]]> = [
  [
    'SSH keys (v2 docs list/get: name and fingerprint; the OpenSSH plugin adds publicKey)',
    SSH_KEY,
    [
      { name: 'mellon', fingerprint: '91:8d:71:ca:2d:2c:ad:97:26:db:cb:c3:df:9a:e9:b6' },
      { name: 'ssh-key-a', fingerprint: '17:43:84:aa', publicKey: 'ssh-rsa AAAAB3Nz Generated-by-Nova' },
    ],
  ],
  [
    'instances (list, get, v1 task result)',
    INSTANCE,
    [
      listedInstance,
      {
        ...listedInstance,
        userData: '',
        publicIps: [{ id: U(7), ipAddress: '198.51.100.7', purposes: ['PORT_FORWARDING'], ports: ['22'] }],
        nics: [{ id: U(8), isDefault: true, networkId: U(4) }],
      },
      {
        cpuCount: 1,
        memoryInMB: 1024,
        affinityGroupIds: [],
        networkId: U(4),
        state: 'Running',
        hostname: 'made',
        isPasswordEnabled: true,
        projectId: U(9),
        macAddress: '02:00:01:02:00:03',
        type: 'CloudStack',
        password: 'secret',
        zoneName: 'QC-2',
        zoneId: U(6),
        id: U(10),
        templateId: U(3),
        computeOfferingId: U(2),
        computeOfferingName: '1vCPU.1GB',
        name: 'made',
        networkName: 'Web-Testing',
        templateName: 'CentOS 7',
        ipAddress: '10.1.2.4',
      },
    ],
  ],
  [
    'volumes (list, get)',
    VOLUME,
    [
      {
        id: U(11),
        name: 'ROOT-1',
        type: 'os',
        creationDate: '2016-10-19T14:25:41-0400',
        instanceId: U(1),
        instanceName: 'i-app-1',
        zoneId: U(6),
        zoneName: 'QC-2',
        state: 'Ready',
        sizeInGb: 40,
      },
      {
        id: U(12),
        name: 'data_1',
        type: 'data',
        creationDate: '2016-10-19T14:25:41-0400',
        instanceId: U(1),
        instanceName: 'i-app-1',
        zoneId: U(6),
        zoneName: 'QC-2',
        diskOfferingId: U(13),
        diskOfferingName: '50GB - 50 IOPS Min.',
        state: 'Ready',
        sizeInGb: 50,
      },
    ],
  ],
  [
    'networks (list, get)',
    NETWORK,
    [
      {
        id: U(4),
        name: 'Frontend',
        description: 'default network',
        vpcId: U(5),
        vpcName: 'main-VPC',
        zoneId: U(6),
        zoneName: 'QC-2',
        cidr: '10.1.2.0/24',
        gateway: '10.1.2.1',
        netmask: '255.255.255.0',
        networkAclId: U(14),
        networkAclName: 'default_allow',
        networkOfferingId: U(15),
        networkOfferingName: 'Load Balanced Network',
        networkOfferingDescription: 'Offering for tiers',
        state: 'Implemented',
      },
    ],
  ],
  [
    'public IPs (list, get)',
    PUBLIC_IP,
    [
      {
        id: U(16),
        instances: [{ id: U(1), name: 'i-app-1' }],
        ipAddress: '198.51.100.8',
        networkId: U(4),
        networkName: 'web',
        purposes: ['PORT_FORWARDING'],
        state: 'Allocated',
        vpcId: U(5),
        vpcName: 'secondary',
        zoneId: U(6),
        zoneName: 'ON-2',
      },
      {
        id: U(17),
        ipAddress: '198.51.100.9',
        purposes: ['SOURCE_NAT'],
        state: 'Allocated',
        vpcId: U(5),
        vpcName: 'primary',
        zoneId: U(6),
        zoneName: 'ON-2',
      },
    ],
  ],
  [
    'VPCs (list, get)',
    VPC,
    [
      {
        id: U(5),
        name: 'MainVPC',
        description: 'Some VPC',
        cidr: '10.1.0.0/22',
        zoneId: U(6),
        zoneName: 'QC-2',
        state: 'Enabled',
        networkDomain: 'example.test',
        vpcOfferingId: U(18),
        requiresUpgrade: false,
        sourceNatIp: '172.16.3.253',
        vpnStatus: 'Disabled',
      },
    ],
  ],
  [
    'templates (list, get)',
    TEMPLATE,
    [
      {
        id: U(3),
        name: 'debian',
        description: 'Example template',
        defaultUsername: 'cmc-user',
        size: 52_428_800,
        availablePublicly: false,
        ready: true,
        dynamicallyScalable: true,
        extractable: false,
        sshKeyEnabled: true,
        created: '2016-10-24 2:40:29 PM EDT',
        zoneId: U(6),
        zoneName: 'zone2',
        osTypeId: U(19),
        osTypeName: 'Other (64-bit)',
        availableInZones: [U(6)],
        hypervisor: 'VMware',
        format: 'OVA',
        nicAdapter: 'e1000',
        rootDiskController: 'scsi',
        keyboard: 'uk',
      },
    ],
  ],
  [
    'compute offerings (list, get)',
    COMPUTE_OFFERING,
    [
      {
        id: U(20),
        name: 'Custom CPU and memory',
        custom: true,
        availableCpuCountValues: [1, 2, 4],
        availableMemoryInMBValues: [1024, 2048],
        maxMemoryInMBToCpuRatio: 2048,
      },
      { id: U(2), name: '1vCPU.1GB', cpuCount: 1, memoryInMB: 1024, custom: false },
      {
        id: U(21),
        name: '16 CPU - 128 GB RAM',
        memoryInMB: 131_072,
        cpuCount: 16,
        custom: false,
        type: 'BareMetal',
        availabilityCount: 2,
      },
    ],
  ],
  [
    'disk offerings',
    DISK_OFFERING,
    [{ customIops: false, customSize: false, gbSize: 20, id: U(13), name: '20GB - 20 IOPS Min.' }],
  ],
  [
    'network offerings',
    NETWORK_OFFERING,
    [
      { id: U(15), name: 'Standard Tier', vpcOnly: true, services: ['Dhcp', 'Dns'], state: 'ENABLED' },
      { id: U(22), name: 'Isolated network', vpcOnly: false, services: ['SourceNat'], state: 'ENABLED' },
    ],
  ],
  [
    'network ACLs',
    NETWORK_ACL,
    [
      { id: U(14), vpcId: U(5), name: 'custom-2', description: 'Allows egress' },
      { id: U(23), name: 'default_allow', description: 'Default Network ACL Allow All' },
    ],
  ],
  ['zones', ZONE, [{ id: U(6), name: 'ON-2' }]],
  [
    'tasks (shape B, shape A, go-cloudca data wrapped, an envelope with both)',
    TASK,
    [
      {
        data: {
          id: U(24),
          status: 'SUCCESS',
          created: '2021-04-20T20:58:59.952881-04:00',
          result: { id: '6564997542943928000', command: 'ssh user@192.0.2.1' },
        },
      },
      { taskId: U(25), taskStatus: 'SUCCESS', result: { id: U(26), name: 'rick' } },
      { data: { id: 'a_task_id', status: 'PENDING', created: '2015-07-07' } },
      { data: { id: 'a_task_id', status: 'FAILED', created: '2015-07-07', result: { foo: 'bar' } } },
      { taskId: 'a_task_id', taskStatus: 'SOME_STATUS', data: { key: 'value' }, metadata: { k: 'v' } },
    ],
  ],
];

describe('CloudMC wire types', () => {
  it.each(FIXTURE_SHAPES)('should accept %s shaped like the recorded payloads', (_, type, payloads) => {
    for (const payload of payloads) expect(type.is(payload)).toBe(true);
  });

  it('should refuse malformed instances, with reasons naming the field', async () => {
    const defects = [
      null,
      { ...without(listedInstance, 'name'), id: U(90) },
      { ...listedInstance, id: U(91), nics: 'x' },
      { ...listedInstance, id: U(92), publicIps: 7 },
      { ...listedInstance, id: U(93), publicIPs: [{ id: U(7) }] },
      { ...listedInstance, id: U(94), cpuCount: '2' },
      { ...listedInstance, id: 'a/b' },
      { ...listedInstance, id: U(95), ipAddress: '<b>' },
    ];
    const { valid, skipped } = await validItems([listedInstance, ...defects], INSTANCE);
    expect(valid).toEqual([listedInstance]);
    expect(skipped).toEqual([
      { nativeId: null, reason: expect.stringContaining('not a CloudMC instance: (root)') },
      { nativeId: U(90), reason: expect.stringMatching(/\/name: Expected required property/) },
      { nativeId: U(91), reason: expect.stringContaining('/nics') },
      { nativeId: U(92), reason: expect.stringContaining('/publicIps') },
      { nativeId: U(93), reason: expect.stringContaining('/publicIPs') },
      { nativeId: U(94), reason: expect.stringContaining('/cpuCount') },
      { nativeId: 'a/b', reason: expect.stringContaining('/id') },
      { nativeId: U(95), reason: expect.stringContaining('/ipAddress') },
    ]);
    expect(VOLUME.explain({ id: U(1), name: 'v', sizeInGb: 'lots' })).toContain('/sizeInGb');
    expect(PUBLIC_IP.explain({ id: U(1), ipAddress: '198.51.100.1', purposes: 'STATIC_NAT' })).toContain(
      '/purposes',
    );
    expect(PUBLIC_IP.explain({ id: U(1), ipAddress: '198.51.100.1', instances: [{ name: 'x' }] })).toContain(
      '/instances',
    );
    expect(NETWORK.explain({ id: U(1) })).toContain('/name');
    expect(TASK.is({ data: { id: U(1) } })).toBe(false);
    // A key is addressed by its name: one that cannot be an id is left out.
    expect(SSH_KEY.explain({ name: 'my key', fingerprint: 'aa' })).toContain('/name');
  });

  it('should list the other servers of an answer with defects, and clean the names backends send', async () => {
    const ctx = { onUnknownState: () => undefined };
    const answer = [
      null,
      { ...without(listedInstance, 'name'), id: U(90) },
      { ...listedInstance, id: U(91), nics: 'x' },
      { ...listedInstance, id: U(92), publicIps: 7 },
      // NUL and escape bytes, and the replacement characters invalid UTF-8 decodes to.
      { ...listedInstance, id: U(96), name: 'web\u0000-1\u001b\ufffd\ufffd' },
    ];
    const { items, skipped } = await mapListed(answer, INSTANCE, (raw) => toServer(ctx, raw, [], []), {
      maxItems: 100,
    });
    expect(items.map((s) => [s.nativeId, s.name])).toEqual([[U(96), 'web-1']]);
    expect(skipped.map((s) => s.nativeId)).toEqual([null, U(90), U(91), U(92)]);
    expect(() => mapOne(answer[3], INSTANCE, (raw) => toServer(ctx, raw, [], []))).toThrow(
      expect.objectContaining({
        status: 502,
        code: 'provider_error',
        message: expect.stringContaining('/publicIps'),
      }),
    );
  });
});
