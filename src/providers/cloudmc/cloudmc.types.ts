/** Raw CloudMC v2 payloads (CloudStack plugin), as providers/cloudmc.md describes them. Private to this adapter. */

export interface CmInstance {
  id: string;
  name: string;
  hostname?: string;
  state?: string;
  imageId?: string;
  imageName?: string;
  /** Older field names, still sent by some deployments (docs/providers/cloudmc.md §4 "name drift"). */
  templateId?: string;
  templateName?: string;
  computeOfferingId?: string;
  computeOfferingName?: string;
  cpuCount?: number;
  memoryInMB?: number;
  ipAddress?: string;
  ipAddressId?: string;
  macAddress?: string;
  networkId?: string;
  networkName?: string;
  vpcId?: string;
  vpcName?: string;
  zoneId?: string;
  zoneName?: string;
  username?: string;
  publicIps?: CmInstancePublicIp[];
  publicIPs?: CmInstancePublicIp[];
  nics?: Array<{ id: string; isDefault?: boolean; networkId?: string; ipAddress?: string }>;
}

export interface CmInstancePublicIp {
  id: string;
  ipAddress: string;
  purposes?: string[];
}

export interface CmVolume {
  id: string;
  name: string;
  type?: string;
  creationDate?: string;
  instanceId?: string | null;
  instanceName?: string | null;
  zoneId?: string;
  zoneName?: string;
  state?: string;
  sizeInGb?: number | string;
  size?: number | string;
  diskOfferingId?: string;
  diskOfferingName?: string;
}

export interface CmNetwork {
  id: string;
  name: string;
  description?: string;
  vpcId?: string | null;
  vpcName?: string | null;
  zoneId?: string;
  zoneName?: string;
  cidr?: string | null;
  gateway?: string | null;
  netmask?: string | null;
  networkAclId?: string | null;
  networkOfferingId?: string;
  networkOfferingName?: string;
  state?: string;
}

export interface CmPublicIp {
  id: string;
  ipAddress: string;
  state?: string;
  purposes?: string[];
  instances?: Array<{ id: string; name?: string }>;
  networkId?: string | null;
  networkName?: string | null;
  vpcId?: string | null;
  vpcName?: string | null;
  zoneId?: string;
  zoneName?: string;
  privateIpId?: string | null;
}

export interface CmTemplate {
  id: string;
  name: string;
  description?: string;
  osTypeName?: string;
  ready?: boolean;
  size?: number;
  zoneId?: string;
  availableInZones?: string[];
  defaultUsername?: string;
}

export interface CmComputeOffering {
  id: string;
  name: string;
  cpuCount?: number;
  memoryInMB?: number;
  custom?: boolean;
  availableCpuCountValues?: number[];
  availableMemoryInMBValues?: number[];
  maxMemoryInMBToCpuRatio?: number;
  type?: string;
  availabilityCount?: number;
}

export interface CmDiskOffering {
  id: string;
  name: string;
  gbSize?: number;
  customSize?: boolean;
  customIops?: boolean;
}

export interface CmNetworkOffering {
  id: string;
  name: string;
  vpcOnly?: boolean;
  state?: string;
}

export interface CmVpc {
  id: string;
  name: string;
  zoneId?: string;
  cidr?: string;
}

export interface CmNetworkAcl {
  id: string;
  name: string;
  vpcId?: string;
}

export interface CmZone {
  id: string;
  name: string;
}

/** What a mutation answered: a task to poll, or the result at once. */
export interface CmAck {
  taskId: string | null;
  taskStatus: string | null;
  data: unknown;
}

/** A task read back, from either documented shape. */
export interface CmTaskView {
  status: string;
  result: unknown;
  /** A failure message, when the task says why it failed. */
  failure: string | null;
}
