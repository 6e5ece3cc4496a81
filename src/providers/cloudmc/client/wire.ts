import { type Static, Type } from '@sinclair/typebox';
import { wireType, nullable } from '../../kit/wire';

/**
 * What CloudMC v2 (CloudStack plugin) sends, as the adapter reads it: one TypeBox schema per object, checked before
 * it is mapped (docs/adr/0004-untrusted-backends.md), and the TS types derived from them, so nothing is read that
 * was not checked first. Each schema names only the fields the mapper and the plans read, with the types they read
 * them as; everything else a backend sends passes unchecked. Shaped after the v2 docs' samples and go-cloudca's
 * test payloads (docs/providers/cloudmc.md#what-the-adapter-checks).
 */

/** A native id: what `<connection>:<id>` needs to be one safe URL path segment (never `.` or `..`). */
const id = Type.String({ pattern: '^(?!\\.\\.?$)[A-Za-z0-9._~-]{1,200}$' });
/** A name shown to people: any string; `mapListed`/`mapOne` clean it and cut it at 255 characters. */
const name = Type.String();
/** Free text copied into `extra` or compared (states, types, zone names...): a string of sane length. */
const text = Type.String({ maxLength: 4096 });
/** An IPv4 or IPv6 address as text. */
const address = Type.String({ pattern: '^[0-9A-Fa-f:.]{2,45}$' });
const count = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
/** A size CloudMC may send as a number or as a numeric string (GO-style clients); '' counts as absent. */
const size = Type.Union([
  Type.Number({ minimum: 0 }),
  Type.String({ pattern: '^(\\d{1,15}(\\.\\d{1,6})?)?$' }),
]);

const opt = nullable;

/** A public IP as an instance carries it (`publicIps[]` on GET /instances/:id): the mapper reads the address. */
const InstancePublicIpSchema = Type.Object({ id: opt(id), ipAddress: address });

export const CmInstanceSchema = Type.Object({
  id,
  name,
  hostname: opt(text),
  state: opt(text),
  imageId: opt(id),
  imageName: opt(text),
  /** Older field names, still sent by some deployments (docs/providers/cloudmc.md#name-drift). */
  templateId: opt(id),
  templateName: opt(text),
  computeOfferingId: opt(id),
  computeOfferingName: opt(text),
  cpuCount: opt(count),
  memoryInMB: opt(count),
  ipAddress: opt(address),
  /** The private IP's id: what static NAT needs. */
  ipAddressId: opt(id),
  macAddress: opt(text),
  networkId: opt(id),
  networkName: opt(text),
  vpcId: opt(id),
  vpcName: opt(text),
  zoneId: opt(id),
  zoneName: opt(text),
  username: opt(text),
  publicIps: opt(Type.Array(InstancePublicIpSchema)),
  publicIPs: opt(Type.Array(InstancePublicIpSchema)),
  nics: opt(Type.Array(Type.Object({ id: opt(id), isDefault: opt(Type.Boolean()), networkId: opt(id) }))),
});

export const CmVolumeSchema = Type.Object({
  id,
  name,
  type: opt(text),
  creationDate: opt(text),
  instanceId: opt(id),
  instanceName: opt(text),
  zoneId: opt(id),
  zoneName: opt(text),
  state: opt(text),
  sizeInGb: opt(size),
  size: opt(size),
  diskOfferingId: opt(id),
  diskOfferingName: opt(text),
});

export const CmNetworkSchema = Type.Object({
  id,
  name,
  description: opt(text),
  vpcId: opt(id),
  vpcName: opt(text),
  zoneId: opt(id),
  zoneName: opt(text),
  cidr: opt(text),
  gateway: opt(text),
  netmask: opt(text),
  networkAclId: opt(id),
  networkOfferingId: opt(id),
  networkOfferingName: opt(text),
  state: opt(text),
});

export const CmPublicIpSchema = Type.Object({
  id,
  /** The address, also shown as the name: public IPs have none. */
  ipAddress: address,
  state: opt(text),
  purposes: opt(Type.Array(text)),
  instances: opt(Type.Array(Type.Object({ id, name: opt(name) }))),
  networkId: opt(id),
  networkName: opt(text),
  vpcId: opt(id),
  vpcName: opt(text),
  zoneId: opt(id),
  zoneName: opt(text),
});

export const CmVpcSchema = Type.Object({ id, name: opt(name), zoneId: opt(id), cidr: opt(text) });

export const CmTemplateSchema = Type.Object({
  id,
  name,
  description: opt(text),
  osTypeName: opt(text),
  ready: opt(Type.Boolean()),
  size: opt(Type.Number({ minimum: 0 })),
  zoneId: opt(id),
  availableInZones: opt(Type.Array(id)),
  defaultUsername: opt(text),
});

export const CmComputeOfferingSchema = Type.Object({
  id,
  name,
  cpuCount: opt(count),
  memoryInMB: opt(count),
  custom: opt(Type.Boolean()),
  availableCpuCountValues: opt(Type.Array(count)),
  availableMemoryInMBValues: opt(Type.Array(count)),
  maxMemoryInMBToCpuRatio: opt(Type.Number({ minimum: 0 })),
  type: opt(text),
  availabilityCount: opt(count),
});

export const CmDiskOfferingSchema = Type.Object({
  id,
  name: opt(name),
  gbSize: opt(Type.Number({ minimum: 0 })),
  customSize: opt(Type.Boolean()),
  customIops: opt(Type.Boolean()),
});

export const CmNetworkOfferingSchema = Type.Object({
  id,
  name: opt(name),
  vpcOnly: opt(Type.Boolean()),
  state: opt(text),
});

export const CmNetworkAclSchema = Type.Object({ id, name: opt(name), vpcId: opt(id) });

export const CmZoneSchema = Type.Object({ id, name });

/**
 * An SSH key (`sshkeys`), addressed by its name: the name is its id, so it must be one too
 * (docs/providers/cloudmc.md#ssh-keys). The CloudStack plugin's docs show `name` and `fingerprint` (MD5, colon
 * hex); `publicKey` is read where a deployment sends it (the OpenStack plugin's keys carry it).
 */
export const CmSshKeySchema = Type.Object({
  name: id,
  fingerprint: opt(text),
  publicKey: opt(Type.String({ maxLength: 16_384 })),
});

/** Any entity a create may have made: found again by its id and, where it has one, the marker in its name. */
export const CmNamedSchema = Type.Object({ id, name: opt(name) });

/**
 * `GET /tasks/:id`, in either documented shape (docs/providers/cloudmc.md#tasks): B `{data: {id, status, result}}`,
 * which both public clients read, or A `{taskId, taskStatus, result}`, the getting-started page's.
 */
export const CmTaskSchema = Type.Union([
  Type.Object({ data: Type.Object({ status: text, result: Type.Optional(Type.Unknown()) }) }),
  Type.Object({ taskStatus: text, result: Type.Optional(Type.Unknown()) }),
]);

export const INSTANCE = wireType('CloudMC instance', CmInstanceSchema);
export const VOLUME = wireType('CloudMC volume', CmVolumeSchema);
export const NETWORK = wireType('CloudMC network', CmNetworkSchema);
export const PUBLIC_IP = wireType('CloudMC public IP', CmPublicIpSchema);
export const VPC = wireType('CloudMC VPC', CmVpcSchema);
export const TEMPLATE = wireType('CloudMC template', CmTemplateSchema);
export const COMPUTE_OFFERING = wireType('CloudMC compute offering', CmComputeOfferingSchema);
export const DISK_OFFERING = wireType('CloudMC disk offering', CmDiskOfferingSchema);
export const NETWORK_OFFERING = wireType('CloudMC network offering', CmNetworkOfferingSchema);
export const NETWORK_ACL = wireType('CloudMC network ACL', CmNetworkAclSchema);
export const ZONE = wireType('CloudMC zone', CmZoneSchema);
export const SSH_KEY = wireType('CloudMC SSH key', CmSshKeySchema);
export const NAMED = wireType('CloudMC entity', CmNamedSchema);
export const TASK = wireType('CloudMC task', CmTaskSchema);

export type CmInstance = Static<typeof CmInstanceSchema>;
export type CmInstancePublicIp = Static<typeof InstancePublicIpSchema>;
export type CmVolume = Static<typeof CmVolumeSchema>;
export type CmNetwork = Static<typeof CmNetworkSchema>;
export type CmPublicIp = Static<typeof CmPublicIpSchema>;
export type CmVpc = Static<typeof CmVpcSchema>;
export type CmTemplate = Static<typeof CmTemplateSchema>;
export type CmComputeOffering = Static<typeof CmComputeOfferingSchema>;
export type CmDiskOffering = Static<typeof CmDiskOfferingSchema>;
export type CmNetworkOffering = Static<typeof CmNetworkOfferingSchema>;
export type CmNetworkAcl = Static<typeof CmNetworkAclSchema>;
export type CmZone = Static<typeof CmZoneSchema>;
export type CmSshKey = Static<typeof CmSshKeySchema>;
export type CmNamed = Static<typeof CmNamedSchema>;
export type CmTask = Static<typeof CmTaskSchema>;
