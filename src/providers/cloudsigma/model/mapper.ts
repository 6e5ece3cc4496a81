import type { IpAddressRef } from '../../../domain/server.dto';
import { IpState, NetworkState } from '../../../domain/states';
import { compact } from '../../kit/compact';
import {
  nativeRef,
  type NativeImage,
  type NativeIpAddress,
  type NativeLocation,
  type NativeNetwork,
  type NativePlan,
  type NativeServer,
  type NativeVolume,
} from '../../ports/native';
import { decodeText, splitValues, type KvObject } from '../client/codec';
import { type Attachment, devicesOf, nicAddresses, vncAddress } from './devices';
import { GATEWAY_KEYS, IMAGE_KEY, labelsOf } from './labels';
import {
  bytesToGib,
  CUSTOM_PLAN_ID,
  MAX_CORES,
  MAX_MEMORY_MB,
  MHZ_PER_CORE,
  MIN_MEMORY_MB,
  presetOf,
  type PlanPreset,
} from './sizing';
import { driveState, imagingProgress, serverState } from './states';

// CloudSigma 1.0 objects -> native records: the backend's ids everywhere, references inside `extra` as
// `nativeRef`; the core turns them into gateway ids (src/providers/registry/resource-normalizer.ts).

export interface MapContext {
  /** The connection's one location, named after the endpoint host (docs/providers/cloudsigma.md#location). */
  location: { id: string; name: string };
  onUnknownState(resource: string, raw: string): void;
}

/** Metadata keys the gateway writes for itself: never shown as the caller's metadata nor as labels. */
export { IMAGE_KEY, MARKER_KEY } from './labels';
/** The owner of library drives (docs/providers/cloudsigma.md#drives). */
export const LIBRARY_USER = '00000000-0000-0000-0000-000000000001';

function num(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return null;
  return Number(value);
}

/** `user:<k>` free metadata, without the gateway's own keys. */
function metadataOf(raw: KvObject): Record<string, string> | undefined {
  const entries = Object.entries(raw).filter(
    ([key, value]) => key.startsWith('user:') && !GATEWAY_KEYS.has(key) && value !== null,
  ) as Array<[string, string]>;
  return entries.length
    ? Object.fromEntries(entries.map(([k, v]) => [k.slice('user:'.length), v]))
    : undefined;
}

const version = (address: string) => (address.includes(':') ? 6 : 4);

export function toServer(ctx: MapContext, raw: KvObject): NativeServer {
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
    nativeId: raw.server!,
    name: raw.name ?? '',
    providerState: raw.status ?? null,
    state: serverState(raw.status, (state) => ctx.onUnknownState('server', state)),
    cpuCores: smp,
    cpuMhz: cpu,
    memoryMb: mem,
    imageId: raw[IMAGE_KEY] ?? null,
    planId: presetOf(cpu, smp, mem)?.id ?? null,
    locationId: ctx.location.id,
    ipAddresses: addresses,
    volumeIds: devices.filter((d) => d.media === 'disk').map((d) => d.driveId),
    networkIds: [...new Set(vlans)],
    // `user:<k>` metadata lines (docs/providers/cloudsigma.md#labels).
    labels: labelsOf(raw),
    extra: compact(
      {
        smp: smp === null ? raw.smp : undefined,
        persistent:
          raw.persistent === null || raw.persistent === undefined ? undefined : raw.persistent === 'true',
        // Unix seconds (docs/providers/cloudsigma.md#servers).
        startedAt: started === null ? undefined : new Date(started * 1000).toISOString(),
        boot: splitValues(raw.boot),
        devices: devices.map((d) => ({ device: d.key, driveId: d.driveId, media: d.media })),
        nicModel: raw['nic:0:model'],
        vncIp: raw['vnc:ip'],
        metadata: metadataOf(raw),
        use: raw.use,
        description: decodeText(raw.description),
      },
      true,
    ),
  };
}

/**
 * A drive; `attachments` are all the places it is attached, in order. The Volume has one `serverId`: the first
 * attachment's; `extra.serverIds` and `extra.attachments` keep them all (a shared drive may be on several:
 * docs/providers/cloudsigma.md#drives-on-several-servers).
 */
export function toVolume(ctx: MapContext, raw: KvObject, attachments: Attachment[]): NativeVolume {
  const size = num(raw.size) ?? 0;
  const first = attachments[0];
  return {
    nativeId: raw.drive!,
    name: raw.name ?? '',
    providerState: raw.status ?? null,
    state: driveState(raw, attachments.length > 0, (state) => ctx.onUnknownState('volume', state)),
    sizeGb: bytesToGib(size),
    serverId: first?.serverId ?? null,
    // A server boots from it, or, unattached, it carries a preinstalled system (docs/providers/cloudsigma.md#boot-drives).
    bootable: first ? attachments.some((a) => a.boot) : raw.type === 'disk' && !!raw.os,
    labels: labelsOf(raw),
    extra: compact(
      {
        imaging: raw.imaging,
        progress: imagingProgress(raw),
        device: first?.device,
        serverIds: [...new Set(attachments.map((a) => a.serverId))].map(nativeRef),
        attachments: attachments.map((a) => ({
          serverId: nativeRef(a.serverId),
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
      },
      true,
    ),
  };
}

export function toNetwork(raw: KvObject): NativeNetwork {
  return {
    nativeId: raw.resource!,
    name: raw.name ?? '',
    providerState: null,
    // A VLAN exists or it does not: 1.0 reports no state for it (docs/providers/cloudsigma.md#vlans).
    state: NetworkState.Available,
    cidr: null,
    gateway: null,
    vlan: raw.resource!,
    // A VLAN has no metadata keys: the gateway keeps its labels (docs/providers/cloudsigma.md#labels).
    labels: {},
    extra: {},
  };
}

export function toIpAddress(raw: KvObject, serverId: string | null): NativeIpAddress {
  const address = raw.resource!;
  return {
    nativeId: address,
    name: address,
    providerState: null,
    state: serverId ? IpState.Attached : IpState.Available,
    address,
    version: version(address),
    serverId,
    networkId: null,
    public: true,
    // A static IP cannot be changed at all: the gateway keeps its labels (docs/providers/cloudsigma.md#labels).
    labels: {},
    extra: compact(
      { netmask: raw.netmask, gateway: raw.gateway, nameservers: splitValues(raw.nameserver) },
      true,
    ),
  };
}

export function toImage(raw: KvObject): NativeImage {
  return {
    nativeId: raw.drive!,
    name: raw.name ?? raw.drive!,
    os: raw.os ?? null,
    extra: compact(
      {
        sizeGb: num(raw.size) === null ? undefined : bytesToGib(num(raw.size)!),
        bits: num(raw.bits) ?? undefined,
        driveType: raw.drive_type,
        description: decodeText(raw.description),
        licenses: splitValues(raw.licenses),
        free: raw.free === null || raw.free === undefined ? undefined : raw.free === 'true',
        url: raw.url,
      },
      true,
    ),
  };
}

export function toPlan(preset: PlanPreset): NativePlan {
  return {
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
export function customPlan(): NativePlan {
  return {
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

export function toLocation(ctx: MapContext): NativeLocation {
  return { nativeId: ctx.location.id, name: ctx.location.name, extra: {} };
}
