import type { Catalog, Seed, ServerPlan, StoragePlan } from './imco-sim.model';

// The seeded world: our own values, with fixed 24-hex ids (IMCO ids look like MongoDB ObjectIds).

export const SEED_IDS = {
  providerAlpha: '64a1000000000000000000a1',
  providerBeta: '64a1000000000000000000b1',
  locationEurope: '64a2000000000000000000e1',
  locationAmerica: '64a2000000000000000000a1',
  realmAlphaEu: '64a3000000000000000000a1',
  realmAlphaUs: '64a3000000000000000000a2',
  realmBetaEu: '64a3000000000000000000b1',
  accountAlpha: '64a4000000000000000000a1',
  accountBeta: '64a4000000000000000000b1',
  imageUbuntu: '64a5000000000000000000c1',
  imageDebian: '64a5000000000000000000c2',
  imageWindows: '64a5000000000000000000c3',
  templateUbuntu: '64a6000000000000000000d1',
  templateDebianWeb: '64a6000000000000000000d2',
  firewallDefault: '64a7000000000000000000f1',
  firewallWeb: '64a7000000000000000000f2',
  sshDefault: '64a8000000000000000000e1',
  labelProduction: '64a9000000000000000000a1',
  /** IMCO's own label of a CAT deployment (namespaced): on the seeded server, never a caller's label. */
  labelDeployment: '64a9000000000000000000a2',
  vpc: '64aa0000000000000000000a',
  subnet: '64ab0000000000000000000a',
  server: '64ac0000000000000000000a',
  volume: '64ad0000000000000000000a',
  floatingIp: '64ae0000000000000000000a',
} as const;

/** Plans are made per realm: `64b0`, zeros, the realm id's last 2 characters and a size code. */
export function planId(realmId: string, code: string): string {
  return `64b0${'0'.repeat(16)}${realmId.slice(-2)}${code}`;
}

export function storagePlanId(realmId: string, code: string): string {
  return `64b1${'0'.repeat(16)}${realmId.slice(-2)}${code}`;
}

const SIZES = [
  { code: '01', name: 'small', cpus: 1, memory: 2048, storage: 20, flavour: 's1.small' },
  { code: '02', name: 'medium', cpus: 2, memory: 4096, storage: 40, flavour: 's1.medium' },
  { code: '03', name: 'large', cpus: 4, memory: 16384, storage: 80, flavour: 's1.large' },
];

function realmPlans(realmId: string, realmName: string): ServerPlan[] {
  return SIZES.map((size) => ({
    id: planId(realmId, size.code),
    name: `${size.name} (${realmName})`,
    memory: size.memory,
    cpus: size.cpus,
    storage: size.storage,
    realmId,
    flavourProviderName: size.flavour,
  }));
}

function realmStoragePlans(realmId: string): StoragePlan[] {
  return [
    {
      id: storagePlanId(realmId, '01'),
      name: 'Standard SSD',
      minSize: 1,
      maxSize: 2048,
      realmId,
      flavourProviderName: 'ssd-standard',
      deprecated: false,
    },
    {
      id: storagePlanId(realmId, '02'),
      name: 'Magnetic (legacy)',
      minSize: 10,
      maxSize: 1024,
      realmId,
      flavourProviderName: 'hdd-legacy',
      deprecated: true,
    },
  ];
}

function catalog(): Catalog {
  return {
    cloudProviders: [
      { id: SEED_IDS.providerAlpha, name: 'Alpha Cloud (simulated)' },
      { id: SEED_IDS.providerBeta, name: 'Beta Cloud (simulated)' },
    ],
    locations: [
      { id: SEED_IDS.locationEurope, name: 'Europe' },
      { id: SEED_IDS.locationAmerica, name: 'North America' },
    ],
    realms: [
      {
        id: SEED_IDS.realmAlphaEu,
        name: 'Alpha Frankfurt',
        locationId: SEED_IDS.locationEurope,
        cloudProviderId: SEED_IDS.providerAlpha,
        providerName: 'eu-central-sim',
        deprecated: false,
      },
      {
        id: SEED_IDS.realmAlphaUs,
        name: 'Alpha Virginia',
        locationId: SEED_IDS.locationAmerica,
        cloudProviderId: SEED_IDS.providerAlpha,
        providerName: 'us-east-sim',
        deprecated: false,
      },
      {
        id: SEED_IDS.realmBetaEu,
        name: 'Beta West Europe',
        locationId: SEED_IDS.locationEurope,
        cloudProviderId: SEED_IDS.providerBeta,
        providerName: 'westeurope-sim',
        deprecated: false,
      },
    ],
    serverPlans: [
      ...realmPlans(SEED_IDS.realmAlphaEu, 'Frankfurt'),
      ...realmPlans(SEED_IDS.realmAlphaUs, 'Virginia'),
      ...realmPlans(SEED_IDS.realmBetaEu, 'West Europe'),
    ],
    storagePlans: [
      ...realmStoragePlans(SEED_IDS.realmAlphaEu),
      ...realmStoragePlans(SEED_IDS.realmAlphaUs),
      ...realmStoragePlans(SEED_IDS.realmBetaEu),
    ],
    genericImages: [
      { id: SEED_IDS.imageUbuntu, name: 'Ubuntu 22.04 Jammy Jellyfish x86_64' },
      { id: SEED_IDS.imageDebian, name: 'Debian 12 Bookworm x86_64' },
      { id: SEED_IDS.imageWindows, name: 'Windows Server 2022 Datacenter' },
    ],
    cloudAccounts: [
      {
        id: SEED_IDS.accountAlpha,
        name: 'Alpha production account',
        cloudProviderId: SEED_IDS.providerAlpha,
        subscriptionId: 'SUB-1001-ALPHA',
        remoteId: 'PA-4411',
        state: 'idle',
        errorEventId: null,
      },
      {
        id: SEED_IDS.accountBeta,
        name: 'Beta subscription',
        cloudProviderId: SEED_IDS.providerBeta,
        subscriptionId: 'SUB-1002-BETA',
        remoteId: 'PA-4412',
        state: 'idle',
        errorEventId: null,
      },
    ],
  };
}

export function createSeed(): Seed {
  return {
    catalog: catalog(),
    templates: [
      {
        id: SEED_IDS.templateUbuntu,
        name: 'Ubuntu 22.04 base',
        genericImageId: SEED_IDS.imageUbuntu,
        state: 'ready',
        runList: [],
        cookbookVersions: {},
        configurationAttributes: {},
        labelIds: [],
      },
      {
        id: SEED_IDS.templateDebianWeb,
        name: 'Debian 12 web server',
        genericImageId: SEED_IDS.imageDebian,
        state: 'ready',
        runList: ['recipe[nginx]'],
        cookbookVersions: { nginx: { version: '12.2.0' } },
        configurationAttributes: { nginx: { worker_processes: 2 } },
        labelIds: [],
      },
    ],
    firewallProfiles: [
      {
        id: SEED_IDS.firewallDefault,
        name: 'Default',
        description: 'SSH only',
        isDefault: true,
        rules: [{ name: 'ssh', protocol: 'TCP', minPort: 22, maxPort: 22, source: '0.0.0.0/0' }],
        labelIds: [],
      },
      {
        id: SEED_IDS.firewallWeb,
        name: 'Web',
        description: 'SSH, HTTP and HTTPS',
        isDefault: false,
        rules: [
          { name: 'ssh', protocol: 'TCP', minPort: 22, maxPort: 22, source: '10.0.0.0/8' },
          { name: 'web', protocol: 'TCP', minPort: 80, maxPort: 80, source: '0.0.0.0/0' },
          { name: 'tls', protocol: 'TCP', minPort: 443, maxPort: 443, source: '0.0.0.0/0' },
        ],
        labelIds: [],
      },
    ],
    sshProfiles: [
      {
        id: SEED_IDS.sshDefault,
        name: 'default',
        publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeSimulatorKeyForTheSandboxOnly0000000 ops@sim',
        labelIds: [],
      },
    ],
    labels: [
      { id: SEED_IDS.labelProduction, name: 'production', namespace: null, value: null },
      {
        id: SEED_IDS.labelDeployment,
        name: 'web-stack',
        namespace: 'cat:deployment',
        value: '64b0000000000000000000c1',
      },
    ],
    vpcs: [
      {
        id: SEED_IDS.vpc,
        name: 'main-vpc',
        cidr: '10.20.0.0/16',
        state: 'active',
        cloudAccountId: SEED_IDS.accountAlpha,
        realmProviderName: 'eu-central-sim',
        hasVpn: false,
        brownfield: false,
        labelIds: [SEED_IDS.labelProduction],
      },
    ],
    subnets: [
      {
        id: SEED_IDS.subnet,
        name: 'main-public',
        cidr: '10.20.1.0/24',
        state: 'active',
        type: 'public_and_private',
        vpcId: SEED_IDS.vpc,
        serverCreationDisabled: false,
        brownfield: false,
      },
    ],
    servers: [
      {
        id: SEED_IDS.server,
        name: 'web-1',
        state: 'operational',
        fqdn: 'web-1.64ac0000.imco.sim',
        publicIp: '203.0.113.10',
        privateIp: '10.20.1.10',
        templateId: SEED_IDS.templateDebianWeb,
        serverPlanId: planId(SEED_IDS.realmAlphaEu, '02'),
        cloudAccountId: SEED_IDS.accountAlpha,
        sshProfileIds: [SEED_IDS.sshDefault],
        firewallProfileId: SEED_IDS.firewallWeb,
        subnetId: SEED_IDS.subnet,
        vpcId: SEED_IDS.vpc,
        privateness: false,
        labelIds: [SEED_IDS.labelProduction, SEED_IDS.labelDeployment],
        brownfieldState: 'Pure',
      },
    ],
    volumes: [
      {
        id: SEED_IDS.volume,
        name: 'web-1-data',
        size: 50,
        state: 'attached',
        device: '/dev/xvdf',
        storagePlanId: storagePlanId(SEED_IDS.realmAlphaEu, '01'),
        cloudAccountId: SEED_IDS.accountAlpha,
        realmId: SEED_IDS.realmAlphaEu,
        attachedServerId: SEED_IDS.server,
        remoteId: 'vol-0a1b2c3d4e5f',
        brownfield: false,
        labelIds: [],
      },
    ],
    floatingIps: [
      {
        id: SEED_IDS.floatingIp,
        name: 'web-1-public',
        address: '198.51.100.20',
        state: 'attached',
        cloudAccountId: SEED_IDS.accountAlpha,
        realmId: SEED_IDS.realmAlphaEu,
        attachedServerId: SEED_IDS.server,
        remoteId: 'eipalloc-5e6f7a8b',
        brownfield: false,
        labelIds: [],
      },
    ],
    events: [
      {
        id: '64af00000000000000000001',
        timestamp: '2024-05-02T09:15:00.000Z',
        level: 'info',
        header: 'Server web-1 is operational',
        description: 'The server finished bootstrapping and is now operational.',
        serverId: SEED_IDS.server,
        system: false,
      },
      {
        id: '64af00000000000000000002',
        timestamp: '2024-05-01T06:00:00.000Z',
        level: 'warning',
        header: 'Scheduled maintenance',
        description: 'The platform will be upgraded on Sunday between 02:00 and 04:00 UTC.',
        serverId: null,
        system: true,
      },
    ],
  };
}
