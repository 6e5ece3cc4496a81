import type { IpAddressRef } from '../../../domain/server.dto';
import { NetworkState, VolumeState } from '../../../domain/states';
import { compact } from '../../kit/compact';
import { unmarkedName } from '../../ports/markers';
import type {
  NativeImage,
  NativeIpAddress,
  NativeLocation,
  NativeNetwork,
  NativePlan,
  NativeServer,
  NativeVolume,
} from '../../ports/native';
import { parseConfiguration, physicalDisks } from '../client/codec.configuration';
import { diskIdOf, ipIdOf, planIdOf } from '../client/codec.ids';
import type {
  DciConfiguration,
  DciIp,
  DciIpnet,
  DciLocation,
  DciOsTemplate,
  DciServer,
  DciServerAddresses,
  DciServerDisks,
} from '../client/wire';
import { ipState, operationPhase, operationProgress, serverState } from './states';

// Wire records -> native records (src/providers/ports/native.ts): references hold DCImanager's own ids; the core
// stamps the gateway's fields and ids.

/** The fields a configuration code is read from. */
type Configured = Pick<
  DciServer,
  'configuration' | 'generated_configuration' | 'custom_configuration' | 'is_custom_configuration'
>;

export interface MapContext {
  onUnknownState(resource: string, raw: string): void;
  /** Native id of the IPmanager network with this CIDR, when known. */
  networkIdOf?(cidr: string): string | null;
}

/** A DCImanager integer id as a native id; null when there is none. */
const idText = (id: number | null | undefined): string | null =>
  id === null || id === undefined ? null : String(id);

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

/** The first line of `user_note`, where the caller's name (and a create's marker) lives. */
export const noteOf = (raw: Pick<DciServer, 'user_note'> | null) =>
  (raw?.user_note ?? '').split('\n')[0].trim();

/**
 * A server's name as DCImanager holds it: the note, marker included (the core removes the marker), unless the
 * note holds nothing else; then the inventory name, then the id (docs/providers/dcimanager.md#names-and-notes).
 */
export function serverName(raw: Pick<DciServer, 'id' | 'name' | 'user_note'>): string {
  const note = noteOf(raw);
  return unmarkedName(note) ? note : raw.name || String(raw.id);
}

/** The name the caller sees, without a marker: what a rename compares and what a disk's name starts with. */
export function displayName(raw: Pick<DciServer, 'id' | 'name' | 'user_note'>): string {
  return unmarkedName(noteOf(raw)) || raw.name || String(raw.id);
}

/** The owner's e-mail, lower-cased; null when the server has none, or none that reads as text. */
export function ownerEmailOf(raw: unknown): string | null {
  const server = raw as { owner_email?: unknown; owner?: { email?: unknown } | null } | null;
  const email = server?.owner_email ?? server?.owner?.email ?? null;
  return typeof email === 'string' ? email.toLowerCase() : null;
}

export function toServer(ctx: MapContext, raw: DciServer): NativeServer {
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
    nativeId: String(raw.id),
    name: serverName(raw),
    providerState: derived.providerState,
    state: derived.state,
    cpuCores: null,
    cpuMhz: null,
    memoryMb: parsed.memoryMb,
    imageId: idText(raw.os_template?.id),
    planId: configuration ? planIdOf(configuration) : null,
    locationId: idText(raw.location?.id ?? raw.location_id),
    ipAddresses: addresses,
    volumeIds: physicalDisks(configuration).map((_, i) => diskIdOf(raw.id, i)),
    networkIds: [...networks],
    // DCImanager keeps no tags: the gateway keeps labels (docs/providers/dcimanager.md#labels).
    labels: {},
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

export function toIpAddress(ctx: MapContext, server: DciServerAddresses, ip: DciIp): NativeIpAddress {
  const main = ip.id === server.main_ipv4 || ip.id === server.main_ipv6;
  return {
    nativeId: ipIdOf(server.id, ip.id),
    name: ip.name,
    providerState: ip.status ?? null,
    state: ipState(ip.status, (state) => ctx.onUnknownState('ip', state)),
    address: ip.name,
    version: versionOf(ip),
    serverId: String(server.id),
    networkId: (ip.network && ctx.networkIdOf?.(ip.network)) || null,
    public: isPublicAddress(ip.name),
    labels: {},
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

export function toNetwork(raw: DciIpnet): NativeNetwork {
  const cidr = raw.name.includes('/')
    ? raw.name
    : raw.mask !== undefined && raw.mask !== null
      ? `${raw.name}/${raw.mask}`
      : null;
  return {
    nativeId: String(raw.id),
    name: raw.name,
    // IPmanager networks have no lifecycle state: one that is listed is usable.
    providerState: null,
    state: NetworkState.Available,
    cidr,
    gateway: raw.gateway || null,
    vlan: raw.vlan === null || raw.vlan === undefined || raw.vlan === '' ? null : String(raw.vlan),
    labels: {},
    extra: compact({
      family: familyOf(raw),
      userspace: raw.userspace,
      note: raw.note,
      totalIp: raw.total_ip === undefined ? undefined : Number(raw.total_ip),
      usingIp: raw.using_ip === undefined ? undefined : Number(raw.using_ip),
    }),
  };
}

/**
 * A local disk from the configuration code: read-only, always in use by its server
 * (docs/providers/dcimanager.md#disks). Its name starts with the server's, without a marker.
 */
export function toDisk(server: DciServerDisks, index: number): NativeVolume | null {
  const disk = physicalDisks(configurationOf(server))[index];
  if (!disk) return null;
  return {
    nativeId: diskIdOf(server.id, index),
    name: `${displayName(server)} disk ${index} (${disk.sizeGb} GB ${disk.type})`,
    providerState: null,
    state: VolumeState.InUse,
    sizeGb: disk.sizeGb,
    serverId: String(server.id),
    // The OS goes to the first disk (or the array built over the first ones).
    bootable: index === 0,
    labels: {},
    extra: { type: disk.type, source: 'configuration', configuration: configurationOf(server) },
  };
}

export function toImage(raw: DciOsTemplate): NativeImage {
  return {
    nativeId: String(raw.id),
    name: raw.name,
    os: raw.tags?.length ? raw.tags.join(' ') : null,
    extra: compact({ tags: raw.tags?.length ? raw.tags : undefined }),
  };
}

export function toPlan(raw: DciConfiguration): NativePlan {
  const configuration = raw.configuration ?? '';
  const parsed = parseConfiguration(configuration);
  return {
    nativeId: planIdOf(configuration),
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

export function toLocation(raw: DciLocation): NativeLocation {
  return {
    nativeId: String(raw.id),
    name: raw.name,
    extra: compact({ geolocation: raw.geolocation, userspace: raw.userspace }),
  };
}
