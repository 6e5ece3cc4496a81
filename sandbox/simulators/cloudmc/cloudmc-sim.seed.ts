import type { Catalog, PublicIpRecord, Seed, Template, Vpc } from './cloudmc-sim.model';

// The seeded world: our own values (fixed ids so tests and humans can refer to them), shaped after the docs.

const GiB = 1024 ** 3;

export const SEED_IDS = {
  zoneMtl: 'e16c1f9b-8344-42bb-9104-c12303aa77f2',
  zoneTor: '3c8d859a-e41c-4d85-8945-c2365a7b8269',
  templateUbuntu: 'bc05447f-cd0f-4fdc-bd7c-28f8f92d2e97',
  templateDebian: 'cd7a9b17-942f-4e75-864c-cf40c3d7add5',
  templateRocky: '30a3e948-7f53-4f9e-b3be-d46ab59f46e6',
  templateWindows: '8dd06459-de89-4625-b39d-09e14f0f6a29',
  offeringSmall: '79f6e714-3823-4bc4-82bb-5b5823b39083',
  offeringMedium: 'e74c285a-11af-44dd-a238-38e86ad28fa1',
  offeringLarge: '1517f392-fd97-46de-a10e-d28f24186e0e',
  offeringCustom: 'eea00ca0-f8f4-4ba6-ae41-aea7bf8a6135',
  disk20: '5a39942a-2eec-482a-bb9f-14980c173d2d',
  disk50: '90bfccec-0872-43d2-9874-df766fe3b80a',
  disk100: '16f7fab1-6842-4199-987a-cc36c8a6db8b',
  diskCustom: 'ab392e74-69fe-4d96-a7fa-909d6c883d39',
  netOfferingTier: '010dc1ef-d358-49bc-8389-135d2324a9b4',
  netOfferingLbTier: '5993e91f-db8e-4946-9aab-0e410304822b',
  netOfferingIsolated: '493cec6d-de4a-4e97-ad42-b1c4d46b1a08',
  vpcOffering: 'a6b91b2a-6937-46d2-ba4b-21dfbec75342',
  aclAllow: '59911757-77ea-4774-912e-e4b48003a55f',
  aclDeny: '35401e0d-e539-4619-8edb-7ff47e3b8198',
  aclWeb: '14084f1e-267d-45a3-8eab-af4d07168d05',
  vpc: '6aac3630-6554-4677-a3ce-ffa7bd58ecb9',
  sourceNatIp: 'd00f9ab4-f18d-449b-9e96-95e07e932ac1',
  network: '0725bfc1-1d03-457e-b376-1812b1a29ebc',
  instance: 'cc74cef7-3915-4bd8-bf79-90f749bfd393',
  instanceIpAddressId: 'd61f951b-a8b2-492a-bc05-f3b81fdbe996',
  instanceNic: '446a3cd0-a46b-4c38-b9ae-797455553135',
  rootVolume: '5f253d4d-1372-4d56-976d-777daf4272c5',
} as const;

export const SEED_SSH_KEY = 'sim-key';

function template(
  id: string,
  name: string,
  user: string,
  os: [string, string],
  sizeGb: number,
  zones: string[],
  resizable = true,
): Template {
  return {
    id,
    name,
    description: `${name} (simulated)`,
    defaultUsername: user,
    size: sizeGb * GiB,
    availablePublicly: true,
    isPublic: true,
    ready: true,
    dynamicallyScalable: true,
    extractable: false,
    sshKeyEnabled: true,
    created: '2024-03-01T12:00:00.000Z',
    zoneId: zones[0],
    zoneName: zones[0] === SEED_IDS.zoneMtl ? 'MTL-1' : 'TOR-1',
    osTypeId: os[0],
    osTypeName: os[1],
    availableInZones: zones,
    hypervisor: 'KVM',
    format: 'QCOW2',
    resizable,
    maxSizeInGb: resizable ? 500 : sizeGb,
    stepSizeInGb: 10,
  };
}

const TIER_SERVICES = [
  'PortForwarding',
  'Vpn',
  'SourceNat',
  'Dhcp',
  'NetworkACL',
  'Dns',
  'UserData',
  'StaticNat',
];

function catalog(): Catalog {
  const both = [SEED_IDS.zoneMtl, SEED_IDS.zoneTor];
  return {
    zones: [
      { id: SEED_IDS.zoneMtl, name: 'MTL-1' },
      { id: SEED_IDS.zoneTor, name: 'TOR-1' },
    ],
    templates: [
      template(
        SEED_IDS.templateUbuntu,
        'Ubuntu 22.04 LTS',
        'ubuntu',
        ['9a1c0e6e-0001-4c1e-9a51-2f7e1b000001', 'Ubuntu 22.04 (64-bit)'],
        10,
        both,
      ),
      template(
        SEED_IDS.templateDebian,
        'Debian 12',
        'debian',
        ['9a1c0e6e-0002-4c1e-9a51-2f7e1b000002', 'Debian GNU/Linux 12 (64-bit)'],
        10,
        both,
      ),
      // Only in MTL-1, so a create on a TOR-1 network can be refused.
      template(
        SEED_IDS.templateRocky,
        'Rocky Linux 9',
        'rocky',
        ['9a1c0e6e-0003-4c1e-9a51-2f7e1b000003', 'Rocky Linux 9 (64-bit)'],
        20,
        [SEED_IDS.zoneMtl],
      ),
      template(
        SEED_IDS.templateWindows,
        'Windows Server 2022',
        'Administrator',
        ['9a1c0e6e-0004-4c1e-9a51-2f7e1b000004', 'Windows Server 2022 (64-bit)'],
        50,
        both,
        false,
      ),
    ],
    computeOfferings: [
      { id: SEED_IDS.offeringSmall, name: '1vCPU.1GB', cpuCount: 1, memoryInMB: 1024, custom: false },
      { id: SEED_IDS.offeringMedium, name: '2vCPU.4GB', cpuCount: 2, memoryInMB: 4096, custom: false },
      { id: SEED_IDS.offeringLarge, name: '4vCPU.8GB', cpuCount: 4, memoryInMB: 8192, custom: false },
      {
        id: SEED_IDS.offeringCustom,
        name: 'Custom CPU and memory',
        custom: true,
        availableCpuCountValues: [1, 2, 4, 8],
        availableMemoryInMBValues: [1024, 2048, 4096, 8192, 16384],
        maxMemoryInMBToCpuRatio: 4096,
      },
    ],
    diskOfferings: [
      { id: SEED_IDS.disk20, name: '20GB - 20 IOPS Min.', gbSize: 20, customSize: false, customIops: false },
      { id: SEED_IDS.disk50, name: '50GB - 50 IOPS Min.', gbSize: 50, customSize: false, customIops: false },
      {
        id: SEED_IDS.disk100,
        name: '100GB - 100 IOPS Min.',
        gbSize: 100,
        customSize: false,
        customIops: false,
      },
      {
        id: SEED_IDS.diskCustom,
        name: 'Custom size',
        gbSize: 0,
        customSize: true,
        customIops: true,
        minIops: 100,
        maxIops: 5000,
      },
    ],
    networkOfferings: [
      {
        id: SEED_IDS.netOfferingTier,
        name: 'Standard Tier',
        vpcOnly: true,
        services: TIER_SERVICES,
        state: 'ENABLED',
      },
      {
        id: SEED_IDS.netOfferingLbTier,
        name: 'Load Balanced Tier',
        vpcOnly: true,
        services: [...TIER_SERVICES, 'Lb'],
        state: 'ENABLED',
      },
      {
        id: SEED_IDS.netOfferingIsolated,
        name: 'Isolated network',
        vpcOnly: false,
        services: ['PortForwarding', 'SourceNat', 'Dhcp', 'Dns', 'UserData', 'StaticNat'],
        state: 'ENABLED',
      },
    ],
    vpcOfferings: [
      {
        id: SEED_IDS.vpcOffering,
        name: 'Default VPC offering',
        services: [...TIER_SERVICES, 'Lb'],
        state: 'Enabled',
      },
    ],
    networkAcls: [
      { id: SEED_IDS.aclWeb, name: 'web-acl', description: 'Allows HTTP and SSH in', vpcId: SEED_IDS.vpc },
      { id: SEED_IDS.aclAllow, name: 'default_allow', description: 'Default Network ACL Allow All' },
      { id: SEED_IDS.aclDeny, name: 'default_deny', description: 'Default Network ACL Deny All' },
    ],
  };
}

/**
 * A VPC's source-NAT address: every VPC has exactly one, listed among the public IPs with purpose SOURCE_NAT
 * and the VPC's `sourceNatIp` as its address; it belongs to the VPC's router (no instance, never released).
 */
export function sourceNatIpOf(vpc: Vpc, id: string): PublicIpRecord {
  return {
    id,
    ipAddress: vpc.sourceNatIp,
    state: 'Allocated',
    vpcId: vpc.id,
    zoneId: vpc.zoneId,
    purposes: ['SOURCE_NAT'],
    ports: [],
  };
}

/** A fresh copy of the seeded world (the state mutates it). */
export function createSeed(now = new Date()): Seed {
  const vpcs: Vpc[] = [
    {
      id: SEED_IDS.vpc,
      name: 'sim-vpc',
      description: 'Seeded VPC',
      cidr: '10.200.0.0/16',
      zoneId: SEED_IDS.zoneMtl,
      zoneName: 'MTL-1',
      state: 'Enabled',
      networkDomain: 'sim.internal',
      vpcOfferingId: SEED_IDS.vpcOffering,
      requiresUpgrade: false,
      sourceNatIp: '203.0.113.2',
      vpnStatus: 'Disabled',
    },
  ];
  return {
    catalog: catalog(),
    vpcs,
    networks: [
      {
        id: SEED_IDS.network,
        name: 'web-tier',
        description: 'Seeded VPC tier',
        zoneId: SEED_IDS.zoneMtl,
        vpcId: SEED_IDS.vpc,
        networkAclId: SEED_IDS.aclAllow,
        networkOfferingId: SEED_IDS.netOfferingTier,
        cidr: '10.200.1.0/24',
        gateway: '10.200.1.1',
        netmask: '255.255.255.0',
        state: 'Implemented',
      },
    ],
    instances: [
      {
        id: SEED_IDS.instance,
        name: 'sim-web-1',
        hostname: 'sim-web-1',
        state: 'Running',
        templateId: SEED_IDS.templateUbuntu,
        computeOfferingId: SEED_IDS.offeringSmall,
        cpuCount: 1,
        memoryInMB: 1024,
        networkId: SEED_IDS.network,
        ipAddress: '10.200.1.10',
        ipAddressId: SEED_IDS.instanceIpAddressId,
        nicId: SEED_IDS.instanceNic,
        macAddress: '02:00:5c:1e:00:0a',
        userData: '',
        affinityGroupIds: [],
      },
    ],
    volumes: [
      {
        id: SEED_IDS.rootVolume,
        name: 'ROOT-sim-web-1',
        type: 'os',
        created: now,
        instanceId: SEED_IDS.instance,
        zoneId: SEED_IDS.zoneMtl,
        state: 'Ready',
        sizeInGb: 10,
      },
    ],
    publicIps: [sourceNatIpOf(vpcs[0], SEED_IDS.sourceNatIp)],
    // Registered before the seed: CloudStack keeps its public key, the API never shows it.
    sshKeys: [{ name: SEED_SSH_KEY, fingerprint: '3f:a2:7c:19:55:e0:0b:8d:41:c6:92:7e:aa:13:5b:f0' }],
  };
}
