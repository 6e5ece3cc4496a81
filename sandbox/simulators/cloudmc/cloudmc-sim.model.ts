// The simulator's in-memory model. Catalog entries are kept in their wire form (they never change);
// mutable entities are internal records that the render module turns into wire JSON.

export type InstanceState =
  'Starting' | 'Running' | 'Stopping' | 'Stopped' | 'Rebooting' | 'Destroyed' | 'Expunging' | 'Error';

export interface Zone {
  id: string;
  name: string;
}

export interface Template {
  id: string;
  name: string;
  description: string;
  defaultUsername: string;
  /** Bytes, as in the docs. */
  size: number;
  availablePublicly: boolean;
  isPublic: boolean;
  ready: boolean;
  dynamicallyScalable: boolean;
  extractable: boolean;
  sshKeyEnabled: boolean;
  created: string;
  zoneId: string;
  zoneName: string;
  osTypeId: string;
  osTypeName: string;
  availableInZones: string[];
  hypervisor: string;
  format: string;
  resizable: boolean;
  maxSizeInGb: number;
  stepSizeInGb: number;
}

export interface ComputeOffering {
  id: string;
  name: string;
  custom: boolean;
  cpuCount?: number;
  memoryInMB?: number;
  availableCpuCountValues?: number[];
  availableMemoryInMBValues?: number[];
  maxMemoryInMBToCpuRatio?: number;
}

export interface DiskOffering {
  id: string;
  name: string;
  gbSize: number;
  customSize: boolean;
  customIops: boolean;
  minIops?: number;
  maxIops?: number;
}

export interface NetworkOffering {
  id: string;
  name: string;
  vpcOnly: boolean;
  services: string[];
  state: string;
}

export interface VpcOffering {
  id: string;
  name: string;
  services: string[];
  state: string;
}

export interface NetworkAcl {
  id: string;
  name: string;
  description: string;
  /** Absent on the global default_allow / default_deny lists. */
  vpcId?: string;
}

/** An SSH key of the environment, addressed by its name (CloudStack keeps the public key; the API shows none). */
export interface SshKeyRecord {
  name: string;
  /** MD5 of the key blob, colon hex, as CloudStack shows it. */
  fingerprint: string;
  publicKey?: string;
}

export interface Vpc {
  id: string;
  name: string;
  description: string;
  cidr: string;
  zoneId: string;
  zoneName: string;
  state: string;
  networkDomain: string;
  vpcOfferingId: string;
  requiresUpgrade: boolean;
  sourceNatIp: string;
  vpnStatus: string;
}

export interface Catalog {
  zones: Zone[];
  templates: Template[];
  computeOfferings: ComputeOffering[];
  diskOfferings: DiskOffering[];
  networkOfferings: NetworkOffering[];
  vpcOfferings: VpcOffering[];
  networkAcls: NetworkAcl[];
}

export interface InstanceRecord {
  id: string;
  name: string;
  hostname: string;
  state: InstanceState;
  templateId: string;
  computeOfferingId: string;
  cpuCount: number;
  memoryInMB: number;
  networkId: string;
  ipAddress: string;
  /** Id of the primary private IP (undocumented, read by the clients for static NAT). */
  ipAddressId: string;
  nicId: string;
  macAddress: string;
  /** As the create sent it (CloudMC takes plain text); GET /:id shows it. */
  userData: string;
  sshKeyName?: string;
  /** The public key put on the default user: `publicKey`, or the named key's (kept, never shown). */
  publicKey?: string;
  affinityGroupIds: string[];
}

export interface VolumeRecord {
  id: string;
  name: string;
  type: 'os' | 'data';
  created: Date;
  instanceId?: string;
  zoneId: string;
  diskOfferingId?: string;
  state: string;
  sizeInGb: number;
  iops?: number;
}

export interface NetworkRecord {
  id: string;
  name: string;
  description: string;
  zoneId: string;
  vpcId?: string;
  networkAclId?: string;
  networkOfferingId: string;
  cidr: string;
  gateway: string;
  netmask: string;
  state: 'Allocated' | 'Implemented' | 'Destroy';
}

export interface PublicIpRecord {
  id: string;
  ipAddress: string;
  state: 'Allocating' | 'Allocated' | 'Releasing';
  vpcId: string;
  zoneId: string;
  purposes: string[];
  /** Instance reached through static NAT or port forwarding. */
  instanceId?: string;
  /** Set while static NAT is on (TF reads it to tell). */
  privateIpId?: string;
  /** Forwarded ports (portsToForward at instance create). */
  ports: string[];
}

export interface Seed {
  catalog: Catalog;
  vpcs: Vpc[];
  networks: NetworkRecord[];
  instances: InstanceRecord[];
  volumes: VolumeRecord[];
  publicIps: PublicIpRecord[];
  sshKeys: SshKeyRecord[];
}
