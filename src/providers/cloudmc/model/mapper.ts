import type { IpAddressRef } from '../../../domain/server.dto';
import { compact } from '../../kit/compact';
import type {
  NativeImage,
  NativeIpAddress,
  NativeLocation,
  NativeNetwork,
  NativePlan,
  NativeServer,
  NativeSshKey,
  NativeVolume,
} from '../../ports/native';
import type {
  CmComputeOffering,
  CmInstance,
  CmNetwork,
  CmPublicIp,
  CmSshKey,
  CmTemplate,
  CmVolume,
  CmZone,
} from '../client/wire';
import { instanceState, ipState, networkState, volumeState } from './states';

/**
 * CloudMC wire records -> native records: the backend's ids and names as CloudMC sends them; the core stamps the
 * gateway's fields and turns the references into gateway ids (src/providers/registry/resource-normalizer.ts).
 * The ids inside `extra` (vpcId, zoneId, offering ids, instanceIds) are CloudMC's own and stay so: they are shown
 * as the backend's, not as references to gateway resources.
 *
 * Labels: CloudMC's API has no tags or labels on any of these entities, so the gateway keeps them and the mapped
 * records carry none (docs/providers/cloudmc.md#labels). The instance's `userData` (GET /instances/:id) is never
 * mapped: it may carry secrets (docs/providers/cloudmc.md#user-data).
 */

/** CloudMC keeps no labels (docs/providers/cloudmc.md#labels): every record answers an empty set. */
const NO_LABELS = (): Record<string, string> => ({});

export interface MapContext {
  onUnknownState(resource: string, raw: string): void;
}

const GIB = 1024 ** 3;

const version = (address: string) => (address.includes(':') ? 6 : 4);

export function toServer(
  ctx: MapContext,
  raw: CmInstance,
  volumes: CmVolume[],
  publicIps: CmPublicIp[],
): NativeServer {
  const addresses: IpAddressRef[] = [];
  if (raw.ipAddress)
    addresses.push({ address: raw.ipAddress, version: version(raw.ipAddress), public: false });
  const seen = new Set<string>();
  for (const ip of [...(raw.publicIps ?? raw.publicIPs ?? []), ...publicIps]) {
    if (seen.has(ip.ipAddress)) continue;
    seen.add(ip.ipAddress);
    addresses.push({ address: ip.ipAddress, version: version(ip.ipAddress), public: true });
  }
  const networks = raw.nics?.length ? raw.nics.map((nic) => nic.networkId) : [raw.networkId];
  return {
    nativeId: raw.id,
    name: raw.name,
    providerState: raw.state ?? null,
    state: instanceState(raw.state, (state) => ctx.onUnknownState('server', state)),
    cpuCores: raw.cpuCount ?? null,
    cpuMhz: null,
    memoryMb: raw.memoryInMB ?? null,
    imageId: raw.imageId ?? raw.templateId ?? null,
    planId: raw.computeOfferingId ?? null,
    locationId: raw.zoneId ?? null,
    ipAddresses: addresses,
    volumeIds: volumes.filter((v) => v.instanceId === raw.id).map((v) => v.id),
    networkIds: [...new Set(networks.filter((id): id is string => !!id))],
    labels: NO_LABELS(),
    extra: compact({
      hostname: raw.hostname,
      imageName: raw.imageName ?? raw.templateName,
      computeOfferingName: raw.computeOfferingName,
      zoneName: raw.zoneName,
      networkName: raw.networkName,
      vpcId: raw.vpcId,
      vpcName: raw.vpcName,
      macAddress: raw.macAddress,
      username: raw.username,
    }),
  };
}

/** A volume's size in GiB: `sizeInGb`, else `size` in bytes (GO), else 0 (docs/providers/cloudmc.md#volumes). */
export function volumeSizeGb(raw: Pick<CmVolume, 'sizeInGb' | 'size'>): number {
  if (raw.sizeInGb !== undefined && raw.sizeInGb !== null && raw.sizeInGb !== '') return Number(raw.sizeInGb);
  if (raw.size !== undefined && raw.size !== null && raw.size !== '')
    return Math.round((Number(raw.size) / GIB) * 1000) / 1000;
  return 0;
}

export function toVolume(ctx: MapContext, raw: CmVolume): NativeVolume {
  return {
    nativeId: raw.id,
    name: raw.name,
    providerState: raw.state ?? null,
    state: volumeState(raw.state, !!raw.instanceId, (state) => ctx.onUnknownState('volume', state)),
    sizeGb: volumeSizeGb(raw),
    serverId: raw.instanceId ?? null,
    bootable: raw.type?.toLowerCase() === 'os',
    labels: NO_LABELS(),
    extra: compact({
      type: raw.type,
      zoneId: raw.zoneId,
      zoneName: raw.zoneName,
      diskOfferingId: raw.diskOfferingId,
      diskOfferingName: raw.diskOfferingName,
      instanceName: raw.instanceName,
      creationDate: raw.creationDate,
    }),
  };
}

export function toNetwork(ctx: MapContext, raw: CmNetwork): NativeNetwork {
  return {
    nativeId: raw.id,
    name: raw.name,
    providerState: raw.state ?? null,
    state: networkState(raw.state, (state) => ctx.onUnknownState('network', state)),
    cidr: raw.cidr ?? null,
    gateway: raw.gateway ?? null,
    vlan: null,
    labels: NO_LABELS(),
    extra: compact({
      description: raw.description,
      netmask: raw.netmask,
      vpcId: raw.vpcId,
      vpcName: raw.vpcName,
      zoneId: raw.zoneId,
      zoneName: raw.zoneName,
      networkAclId: raw.networkAclId,
      networkOfferingId: raw.networkOfferingId,
      networkOfferingName: raw.networkOfferingName,
    }),
  };
}

/** Purposes compared without case, as the clients compare CloudMC's other enums. */
export const hasPurpose = (ip: Pick<CmPublicIp, 'purposes'>, purpose: string): boolean =>
  Array.isArray(ip.purposes) && ip.purposes.some((p) => typeof p === 'string' && p.toUpperCase() === purpose);

/**
 * The VPC's source-NAT address: CloudMC lists it among the public IPs, but it belongs to the VPC's router and
 * can be neither attached to a server nor released (docs/providers/cloudmc.md#source-nat).
 */
export const isSourceNat = (ip: Pick<CmPublicIp, 'purposes'>): boolean => hasPurpose(ip, 'SOURCE_NAT');

export function toIpAddress(ctx: MapContext, raw: CmPublicIp): NativeIpAddress {
  const purposes = Array.isArray(raw.purposes) ? raw.purposes : [];
  const staticNat = hasPurpose(raw, 'STATIC_NAT');
  return {
    nativeId: raw.id,
    // Public IPs have no name: the address is shown as one.
    name: raw.ipAddress,
    providerState: raw.state ?? null,
    state: ipState(raw.state, staticNat, (state) => ctx.onUnknownState('ip', state)),
    address: raw.ipAddress,
    version: version(raw.ipAddress),
    serverId: staticNat ? (raw.instances?.[0]?.id ?? null) : null,
    networkId: raw.networkId ?? null,
    public: true,
    labels: NO_LABELS(),
    extra: compact({
      purposes: purposes.length ? purposes : undefined,
      // Always a boolean: the allowed actions of an address read it to refuse attach and release.
      sourceNat: isSourceNat(raw),
      vpcId: raw.vpcId,
      vpcName: raw.vpcName,
      zoneId: raw.zoneId,
      zoneName: raw.zoneName,
      instanceIds: raw.instances?.length ? raw.instances.map((i) => i.id) : undefined,
    }),
  };
}

/**
 * An SSH key: its name is its id (`/sshkeys/:name`). The public key only where CloudMC sends it (the CloudStack
 * plugin's docs show none; the core computes the SHA256 fingerprint from it); CloudMC's own fingerprint (MD5,
 * colon hex) goes to `extra` (docs/providers/cloudmc.md#ssh-keys).
 */
export function toSshKey(raw: CmSshKey): NativeSshKey {
  return {
    nativeId: raw.name,
    name: raw.name,
    providerState: null,
    publicKey: raw.publicKey?.trim() || null,
    extra: compact({ fingerprint: raw.fingerprint }),
  };
}

export function toImage(raw: CmTemplate): NativeImage {
  return {
    nativeId: raw.id,
    name: raw.name,
    os: raw.osTypeName ?? null,
    extra: compact({
      description: raw.description,
      sizeBytes: raw.size,
      zoneId: raw.zoneId,
      availableInZones: raw.availableInZones,
      defaultUsername: raw.defaultUsername,
    }),
  };
}

export function toPlan(raw: CmComputeOffering): NativePlan {
  return {
    nativeId: raw.id,
    name: raw.name,
    cpuCores: raw.cpuCount ?? null,
    cpuMhz: null,
    memoryMb: raw.memoryInMB ?? null,
    diskGb: null,
    custom: raw.custom === true,
    available: raw.availabilityCount ?? null,
    extra: compact({
      type: raw.type,
      availableCpuCountValues: raw.availableCpuCountValues,
      availableMemoryInMBValues: raw.availableMemoryInMBValues,
      maxMemoryInMBToCpuRatio: raw.maxMemoryInMBToCpuRatio,
    }),
  };
}

export function toLocation(raw: CmZone): NativeLocation {
  return { nativeId: raw.id, name: raw.name, extra: {} };
}
