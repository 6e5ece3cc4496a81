import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { Network } from '../../domain/network.dto';
import type { IpAddressRef, Server } from '../../domain/server.dto';
import { IpState, NetworkState, ProviderKind } from '../../domain/states';
import type { Volume } from '../../domain/volume.dto';
import { formatResourceId } from '../../common/ids/resource-id';
import { unmarkedName } from '../ports/markers';
import { decodeText, splitValues, type KvObject } from './cloudsigma.codec';
import { type Attachment, devicesOf, nicAddresses, vncAddress } from './cloudsigma-devices';
import {
  bytesToGib,
  CUSTOM_PLAN_ID,
  MAX_CORES,
  MAX_MEMORY_MB,
  MHZ_PER_CORE,
  MIN_MEMORY_MB,
  presetOf,
  type PlanPreset,
} from './cloudsigma-sizing';
import { driveState, imagingProgress, serverState } from './cloudsigma-states';

export interface MapContext {
  connection: string;
  /** The connection's one location (named after the endpoint host). */
  location: { id: string; name: string };
  onUnknownState(resource: string, raw: string): void;
}

/** Metadata keys the gateway writes for itself: never shown as the caller's metadata. */
export const MARKER_KEY = 'user:gwtask';
export const IMAGE_KEY = 'user:gwimage';
/** The owner of library drives (reference §6). */
export const LIBRARY_USER = '00000000-0000-0000-0000-000000000001';

const ref = (ctx: MapContext, nativeId: string | null | undefined) =>
  nativeId ? formatResourceId(ctx.connection, nativeId) : null;

function num(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return null;
  return Number(value);
}

/** Drops empty members so `extra` only carries what the backend said. */
function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(
      ([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0),
    ),
  );
}

/** `user:<k>` free metadata, without the gateway's own keys. */
function metadataOf(raw: KvObject): Record<string, string> | undefined {
  const entries = Object.entries(raw).filter(
    ([key, value]) => key.startsWith('user:') && key !== MARKER_KEY && key !== IMAGE_KEY && value !== null,
  ) as Array<[string, string]>;
  return entries.length
    ? Object.fromEntries(entries.map(([k, v]) => [k.slice('user:'.length), v]))
    : undefined;
}

function base(
  ctx: MapContext,
  nativeId: string,
  name: string | null | undefined,
  raw: string | null | undefined,
) {
  return {
    id: formatResourceId(ctx.connection, nativeId),
    provider: ctx.connection,
    providerKind: ProviderKind.Cloudsigma,
    nativeId,
    name: unmarkedName(name ?? ''),
    providerState: raw ?? null,
    stateObservedAt: new Date().toISOString(),
  };
}

const version = (address: string) => (address.includes(':') ? 6 : 4);

export function toServer(ctx: MapContext, raw: KvObject): Server {
  const cpu = num(raw.cpu);
  const mem = num(raw.mem);
  const smp = num(raw.smp);
  const devices = devicesOf(raw);
  const addresses: IpAddressRef[] = nicAddresses(raw).map((nic) => ({
    address: nic.address,
    version: version(nic.address),
    public: nic.vlan === null,
  }));
  // While it runs, `vnc:ip` is the public address, even when no `nic:0:dhcp` line names it.
  const vnc = vncAddress(raw);
  if (vnc && !addresses.some((a) => a.address === vnc))
    addresses.push({ address: vnc, version: version(vnc), public: true });
  const vlans = Object.entries(raw)
    .filter(([key, value]) => /^nic:\d+:vlan$/.test(key) && value)
    .map(([, value]) => value!);
  const started = num(raw.started);
  return {
    ...base(ctx, raw.server!, raw.name, raw.status),
    state: serverState(raw.status, (state) => ctx.onUnknownState('server', state)),
    cpuCores: smp,
    cpuMhz: cpu,
    memoryMb: mem,
    imageId: ref(ctx, raw[IMAGE_KEY]),
    planId: ref(ctx, presetOf(cpu, smp, mem)?.id),
    locationId: ref(ctx, ctx.location.id),
    ipAddresses: addresses,
    volumeIds: devices
      .filter((d) => d.media === 'disk')
      .map((d) => formatResourceId(ctx.connection, d.driveId)),
    networkIds: [...new Set(vlans)].map((id) => formatResourceId(ctx.connection, id)),
    extra: compact({
      smp: smp === null ? raw.smp : undefined,
      persistent:
        raw.persistent === null || raw.persistent === undefined ? undefined : raw.persistent === 'true',
      // Unix seconds (JC wrongly read them as milliseconds).
      startedAt: started === null ? undefined : new Date(started * 1000).toISOString(),
      boot: splitValues(raw.boot),
      devices: devices.map((d) => ({ device: d.key, driveId: d.driveId, media: d.media })),
      nicModel: raw['nic:0:model'],
      vncIp: raw['vnc:ip'],
      metadata: metadataOf(raw),
      use: raw.use,
      description: decodeText(raw.description),
    }),
  };
}

/**
 * A drive; `attachments` are all the places it is attached, in order. The Volume has one `serverId`: the first
 * attachment's; `extra.serverIds` and `extra.attachments` keep them all (a shared drive may be on several).
 */
export function toVolume(ctx: MapContext, raw: KvObject, attachments: Attachment[]): Volume {
  const size = num(raw.size) ?? 0;
  const first = attachments[0];
  return {
    ...base(ctx, raw.drive!, raw.name, raw.status),
    state: driveState(raw, attachments.length > 0, (state) => ctx.onUnknownState('volume', state)),
    sizeGb: bytesToGib(size),
    serverId: ref(ctx, first?.serverId),
    // A server boots from it, or, unattached, it carries a preinstalled system.
    bootable: first ? attachments.some((a) => a.boot) : raw.type === 'disk' && !!raw.os,
    extra: compact({
      imaging: raw.imaging,
      progress: imagingProgress(raw),
      device: first?.device,
      serverIds: [...new Set(attachments.map((a) => ref(ctx, a.serverId)!))],
      attachments: attachments.map((a) => ({
        serverId: ref(ctx, a.serverId),
        device: a.device,
        ...(a.boot ? { boot: true } : {}),
      })),
      type: raw.type,
      claimType: raw['claim:type'],
      ssd: splitValues(raw.tags).includes('affinity:ssd') || undefined,
      tags: splitValues(raw.tags),
      os: raw.os,
      encryption: raw['encryption:cipher'],
      metadata: metadataOf(raw),
      use: raw.use,
    }),
  };
}

export function toNetwork(ctx: MapContext, raw: KvObject): Network {
  return {
    ...base(ctx, raw.resource!, raw.name, null),
    // A VLAN exists or it does not: 1.0 reports no state for it.
    state: NetworkState.Available,
    cidr: null,
    gateway: null,
    vlan: raw.resource!,
    extra: {},
  };
}

export function toIpAddress(ctx: MapContext, raw: KvObject, serverId: string | null): IpAddress {
  const address = raw.resource!;
  return {
    ...base(ctx, address, address, null),
    state: serverId ? IpState.Attached : IpState.Available,
    address,
    version: version(address),
    serverId: ref(ctx, serverId),
    networkId: null,
    public: true,
    extra: compact({ netmask: raw.netmask, gateway: raw.gateway, nameservers: splitValues(raw.nameserver) }),
  };
}

export function toImage(ctx: MapContext, raw: KvObject): Image {
  return {
    id: formatResourceId(ctx.connection, raw.drive!),
    nativeId: raw.drive!,
    name: raw.name ?? raw.drive!,
    os: raw.os ?? null,
    extra: compact({
      sizeGb: num(raw.size) === null ? undefined : bytesToGib(num(raw.size)!),
      bits: num(raw.bits) ?? undefined,
      driveType: raw.drive_type,
      description: decodeText(raw.description),
      licenses: splitValues(raw.licenses),
      free: raw.free === null || raw.free === undefined ? undefined : raw.free === 'true',
      url: raw.url,
    }),
  };
}

export function toPlan(ctx: MapContext, preset: PlanPreset): Plan {
  return {
    id: formatResourceId(ctx.connection, preset.id),
    nativeId: preset.id,
    name: preset.name,
    cpuCores: preset.smp,
    cpuMhz: preset.cpu,
    memoryMb: preset.mem,
    diskGb: null,
    custom: false,
    available: null,
    extra: {},
  };
}

/** The plan that stands for "cpuCores and memoryMb of your choice". */
export function customPlan(ctx: MapContext): Plan {
  return {
    id: formatResourceId(ctx.connection, CUSTOM_PLAN_ID),
    nativeId: CUSTOM_PLAN_ID,
    name: `Custom: cpuCores × ${MHZ_PER_CORE / 1000} GHz and memoryMb of your choice`,
    cpuCores: null,
    cpuMhz: null,
    memoryMb: null,
    diskGb: null,
    custom: true,
    available: null,
    extra: {
      mhzPerCore: MHZ_PER_CORE,
      maxCores: MAX_CORES,
      minMemoryMb: MIN_MEMORY_MB,
      maxMemoryMb: MAX_MEMORY_MB,
    },
  };
}

export function toLocation(ctx: MapContext): Location {
  return {
    id: formatResourceId(ctx.connection, ctx.location.id),
    nativeId: ctx.location.id,
    name: ctx.location.name,
    extra: {},
  };
}
