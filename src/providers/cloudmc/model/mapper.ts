import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { Network } from '../../domain/network.dto';
import type { IpAddressRef, Server } from '../../domain/server.dto';
import { ProviderKind } from '../../domain/states';
import type { Volume } from '../../domain/volume.dto';
import { formatResourceId } from '../../common/ids/resource-id';
import { unmarkedName } from '../ports/markers';
import { instanceState, ipState, networkState, volumeState } from './cloudmc-states';
import type {
  CmComputeOffering,
  CmInstance,
  CmNetwork,
  CmPublicIp,
  CmTemplate,
  CmVolume,
  CmZone,
} from './cloudmc.types';

export interface MapContext {
  connection: string;
  onUnknownState(resource: string, raw: string): void;
}

const GIB = 1024 ** 3;

function ref(ctx: MapContext, nativeId: string | null | undefined): string | null {
  return nativeId ? formatResourceId(ctx.connection, nativeId) : null;
}

/** Drops undefined and null members so `extra` only carries what the backend said. */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
}

function base(ctx: MapContext, nativeId: string, name: string, rawState: string | null | undefined) {
  return {
    id: formatResourceId(ctx.connection, nativeId),
    provider: ctx.connection,
    providerKind: ProviderKind.Cloudmc,
    nativeId,
    name: unmarkedName(name),
    providerState: rawState ?? null,
    stateObservedAt: new Date().toISOString(),
  };
}

const version = (address: string) => (address.includes(':') ? 6 : 4);

export function toServer(
  ctx: MapContext,
  raw: CmInstance,
  volumes: CmVolume[],
  publicIps: CmPublicIp[],
): Server {
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
    ...base(ctx, raw.id, raw.name, raw.state),
    state: instanceState(raw.state, (state) => ctx.onUnknownState('server', state)),
    cpuCores: raw.cpuCount ?? null,
    cpuMhz: null,
    memoryMb: raw.memoryInMB ?? null,
    imageId: ref(ctx, raw.imageId ?? raw.templateId),
    planId: ref(ctx, raw.computeOfferingId),
    locationId: ref(ctx, raw.zoneId),
    ipAddresses: addresses,
    volumeIds: volumes
      .filter((v) => v.instanceId === raw.id)
      .map((v) => formatResourceId(ctx.connection, v.id)),
    networkIds: [...new Set(networks.filter((id): id is string => !!id))].map((id) =>
      formatResourceId(ctx.connection, id),
    ),
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

function sizeGb(raw: CmVolume): number {
  if (raw.sizeInGb !== undefined && raw.sizeInGb !== null && raw.sizeInGb !== '') return Number(raw.sizeInGb);
  if (raw.size !== undefined && raw.size !== null && raw.size !== '')
    return Math.round((Number(raw.size) / GIB) * 1000) / 1000;
  return 0;
}

export function toVolume(ctx: MapContext, raw: CmVolume): Volume {
  return {
    ...base(ctx, raw.id, raw.name, raw.state),
    state: volumeState(raw.state, !!raw.instanceId, (state) => ctx.onUnknownState('volume', state)),
    sizeGb: sizeGb(raw),
    serverId: ref(ctx, raw.instanceId),
    bootable: raw.type?.toLowerCase() === 'os',
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

export function toNetwork(ctx: MapContext, raw: CmNetwork): Network {
  return {
    ...base(ctx, raw.id, raw.name, raw.state),
    state: networkState(raw.state, (state) => ctx.onUnknownState('network', state)),
    cidr: raw.cidr ?? null,
    gateway: raw.gateway ?? null,
    vlan: null,
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
 * can be neither attached to a server nor released (docs/providers/cloudmc.md, "Public IPs").
 */
export const isSourceNat = (ip: Pick<CmPublicIp, 'purposes'>): boolean => hasPurpose(ip, 'SOURCE_NAT');

export function toIpAddress(ctx: MapContext, raw: CmPublicIp): IpAddress {
  const purposes = Array.isArray(raw.purposes) ? raw.purposes : [];
  const staticNat = hasPurpose(raw, 'STATIC_NAT');
  return {
    ...base(ctx, raw.id, raw.ipAddress, raw.state),
    state: ipState(raw.state, staticNat, (state) => ctx.onUnknownState('ip', state)),
    address: raw.ipAddress,
    version: version(raw.ipAddress),
    serverId: staticNat ? ref(ctx, raw.instances?.[0]?.id) : null,
    networkId: ref(ctx, raw.networkId),
    public: true,
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

export function toImage(ctx: MapContext, raw: CmTemplate): Image {
  return {
    id: formatResourceId(ctx.connection, raw.id),
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

export function toPlan(ctx: MapContext, raw: CmComputeOffering): Plan {
  return {
    id: formatResourceId(ctx.connection, raw.id),
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

export function toLocation(ctx: MapContext, raw: CmZone): Location {
  return { id: formatResourceId(ctx.connection, raw.id), nativeId: raw.id, name: raw.name, extra: {} };
}
