import { formatResourceId } from '../../common/ids/resource-id';
import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { Network } from '../../domain/network.dto';
import type { IpAddressRef, Server } from '../../domain/server.dto';
import { NetworkState, ProviderKind, VolumeState } from '../../domain/states';
import type { Volume } from '../../domain/volume.dto';
import { unmarkedName } from '../ports/markers';
import { parseConfiguration, physicalDisks } from './dcimanager-configuration.codec';
import { diskIdOf, ipIdOf, planIdOf } from './dcimanager-ids.codec';
import { ipState, operationPhase, operationProgress, serverState } from './dcimanager-states';
import type {
  DciConfiguration,
  DciIp,
  DciIpnet,
  DciLocation,
  DciOsTemplate,
  DciServer,
} from './dcimanager.types';
import type { DciServerAddresses, DciServerDisks } from './dcimanager.wire';

/** The fields a configuration code is read from. */
type Configured = Pick<
  DciServer,
  'configuration' | 'generated_configuration' | 'custom_configuration' | 'is_custom_configuration'
>;

export interface MapContext {
  connection: string;
  onUnknownState(resource: string, raw: string): void;
  /** Native id of the IPmanager network with this CIDR, when known. */
  networkIdOf?(cidr: string): string | null;
}

const ref = (ctx: MapContext, nativeId: string | number | null | undefined) =>
  nativeId === null || nativeId === undefined || nativeId === ''
    ? null
    : formatResourceId(ctx.connection, String(nativeId));

/** Drops empty members so `extra` only carries what the backend said. */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  );
}

function base(ctx: MapContext, nativeId: string, name: string, providerState: string | null) {
  return {
    id: formatResourceId(ctx.connection, nativeId),
    provider: ctx.connection,
    providerKind: ProviderKind.Dcimanager,
    nativeId,
    name,
    providerState,
    stateObservedAt: new Date().toISOString(),
  };
}

const PRIVATE_V4 = [
  /^10\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^192\.168\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
  /^127\./,
  /^169\.254\./,
];

/** Addresses outside the private, loopback and link-local ranges are public. */
export function isPublicAddress(address: string): boolean {
  if (address.includes(':')) return !/^(f[cd]|fe[89ab]|::1$)/i.test(address);
  return !PRIVATE_V4.some((range) => range.test(address));
}

const versionOf = (ip: DciIp) => (ip.family?.toLowerCase() === 'ipv6' || ip.name.includes(':') ? 6 : 4);

/** The configuration the server is sold as: the custom one when set, else the detected one. */
export function configurationOf(raw: Configured): string {
  const custom = raw.is_custom_configuration ? raw.custom_configuration : null;
  return (custom || raw.configuration || raw.generated_configuration || '').trim();
}

/** The caller's name lives in `user_note` (first line); the inventory name is the fallback. */
export function displayName(raw: Pick<DciServer, 'id' | 'name' | 'user_note'>): string {
  const note = (raw.user_note ?? '').split('\n')[0].trim();
  return unmarkedName(note) || raw.name || String(raw.id);
}

/** The owner's e-mail, lower-cased; null when the server has none, or none that reads as text. */
export function ownerEmailOf(raw: unknown): string | null {
  const server = raw as { owner_email?: unknown; owner?: { email?: unknown } | null } | null;
  const email = server?.owner_email ?? server?.owner?.email ?? null;
  return typeof email === 'string' ? email.toLowerCase() : null;
}

export function toServer(ctx: MapContext, raw: DciServer): Server {
  const derived = serverState(raw, (state) => ctx.onUnknownState('server', state));
  const configuration = configurationOf(raw);
  const parsed = parseConfiguration(configuration);
  const ips = (raw.ip ?? []).filter((ip) => ip.name && !/^(deleting)$/i.test(ip.status ?? ''));
  const addresses: IpAddressRef[] = ips.map((ip) => ({
    address: ip.name,
    version: versionOf(ip),
    public: isPublicAddress(ip.name),
  }));
  const networks = new Set<string>();
  for (const ip of ips) {
    const id = ip.network ? ctx.networkIdOf?.(ip.network) : null;
    if (id) networks.add(id);
  }
  const operation = raw.operation ?? null;
  return {
    ...base(ctx, String(raw.id), displayName(raw), derived.providerState),
    state: derived.state,
    cpuCores: null,
    cpuMhz: null,
    memoryMb: parsed.memoryMb,
    imageId: ref(ctx, raw.os_template?.id),
    planId: configuration ? ref(ctx, planIdOf(configuration)) : null,
    locationId: ref(ctx, raw.location?.id ?? raw.location_id),
    ipAddresses: addresses,
    volumeIds: physicalDisks(configuration).map((_, i) =>
      formatResourceId(ctx.connection, diskIdOf(raw.id, i)),
    ),
    networkIds: [...networks].map((id) => formatResourceId(ctx.connection, id)),
    extra: compact({
      inventoryName: raw.name,
      domain: raw.domain,
      uuid: raw.uuid,
      barcode: raw.barcode,
      serialNumber: raw.serial_number,
      mac: raw.mac,
      configuration: configuration || undefined,
      cpuModel: parsed.cpu,
      diskGb: parsed.diskGb,
      osTemplateName: raw.os_template?.name,
      locationName: raw.location?.name,
      rack: raw.rack?.name,
      unit: raw.unit,
      powerStatus: raw.power_status,
      adminState: raw.state,
      stateInfo: raw.state_info,
      hasErrors: raw.has_errors || undefined,
      operation: operation
        ? compact({
            id: operation.id,
            status: operation.status,
            phase: operationPhase(operation),
            progress: operationProgress(operation),
          })
        : undefined,
    }),
  };
}

export function toIpAddress(ctx: MapContext, server: DciServerAddresses, ip: DciIp): IpAddress {
  const main = ip.id === server.main_ipv4 || ip.id === server.main_ipv6;
  return {
    ...base(ctx, ipIdOf(server.id, ip.id), ip.name, ip.status ?? null),
    state: ipState(ip.status, (state) => ctx.onUnknownState('ip', state)),
    address: ip.name,
    version: versionOf(ip),
    serverId: ref(ctx, server.id),
    networkId: ip.network ? ref(ctx, ctx.networkIdOf?.(ip.network)) : null,
    public: isPublicAddress(ip.name),
    extra: compact({
      dciIpId: ip.id,
      network: ip.network,
      gateway: ip.gateway,
      domain: ip.domain,
      main: main || undefined,
      type: ip.type,
    }),
  };
}

const familyOf = (net: DciIpnet) =>
  net.family === 10 || String(net.family).toLowerCase() === 'ipv6' || net.name.includes(':') ? 6 : 4;

export function toNetwork(ctx: MapContext, raw: DciIpnet): Network {
  const cidr = raw.name.includes('/')
    ? raw.name
    : raw.mask !== undefined && raw.mask !== null
      ? `${raw.name}/${raw.mask}`
      : null;
  return {
    // IPmanager networks have no lifecycle state: one that is listed is usable.
    ...base(ctx, String(raw.id), raw.name, null),
    state: NetworkState.Available,
    cidr,
    gateway: raw.gateway || null,
    vlan: raw.vlan === null || raw.vlan === undefined || raw.vlan === '' ? null : String(raw.vlan),
    extra: compact({
      family: familyOf(raw),
      userspace: raw.userspace,
      note: raw.note,
      totalIp: raw.total_ip === undefined ? undefined : Number(raw.total_ip),
      usingIp: raw.using_ip === undefined ? undefined : Number(raw.using_ip),
    }),
  };
}

/** A local disk from the configuration code: read-only, always in use by its server. */
export function toDisk(ctx: MapContext, server: DciServerDisks, index: number): Volume | null {
  const disk = physicalDisks(configurationOf(server))[index];
  if (!disk) return null;
  return {
    ...base(
      ctx,
      diskIdOf(server.id, index),
      `${displayName(server)} disk ${index} (${disk.sizeGb} GB ${disk.type})`,
      null,
    ),
    state: VolumeState.InUse,
    sizeGb: disk.sizeGb,
    serverId: ref(ctx, server.id),
    // The OS goes to the first disk (or the array built over the first ones).
    bootable: index === 0,
    extra: { type: disk.type, source: 'configuration', configuration: configurationOf(server) },
  };
}

export function toImage(ctx: MapContext, raw: DciOsTemplate): Image {
  return {
    id: formatResourceId(ctx.connection, String(raw.id)),
    nativeId: String(raw.id),
    name: raw.name,
    os: raw.tags?.length ? raw.tags.join(' ') : null,
    extra: compact({ tags: raw.tags?.length ? raw.tags : undefined }),
  };
}

export function toPlan(ctx: MapContext, raw: DciConfiguration): Plan {
  const configuration = raw.configuration ?? '';
  const parsed = parseConfiguration(configuration);
  const nativeId = planIdOf(configuration);
  return {
    id: formatResourceId(ctx.connection, nativeId),
    nativeId,
    name: configuration,
    cpuCores: null,
    cpuMhz: null,
    memoryMb: parsed.memoryMb,
    diskGb: parsed.diskGb,
    custom: false,
    available: typeof raw.free_server_count === 'number' ? raw.free_server_count : null,
    extra: compact({ cpuModel: parsed.cpu, disks: parsed.disks.length ? parsed.disks : undefined }),
  };
}

export function toLocation(ctx: MapContext, raw: DciLocation): Location {
  return {
    id: formatResourceId(ctx.connection, String(raw.id)),
    nativeId: String(raw.id),
    name: raw.name,
    extra: compact({ geolocation: raw.geolocation, userspace: raw.userspace }),
  };
}
