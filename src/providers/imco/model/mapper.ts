import { parsePublicKey } from '../../../common/ssh/public-key';
import type { IpAddressRef } from '../../../domain/server.dto';
import { compact } from '../../kit/compact';
import { cleanText } from '../../kit/wire';
import {
  nativeRef,
  type NativeImage,
  type NativeIpAddress,
  type NativeLocation,
  type NativeNetwork,
  type NativePlan,
  type NativeServer,
  type NativeSshKey,
  type NativeVolume,
} from '../../ports/native';
import type {
  ImFloatingIp,
  ImGenericImage,
  ImRealm,
  ImServer,
  ImServerPlan,
  ImSshProfile,
  ImSubnet,
  ImTemplate,
  ImVolume,
  ImVpc,
} from '../client/wire.types';
import { type LabelIndex, labelsOf } from './labels';
import { ipState, networkState, serverState, volumeState } from './states';

// IMCO objects (checked against client/wire.ts) as native records: IMCO's own ids in every reference; the core
// stamps the gateway's fields and ids (src/providers/registry/resource-normalizer.ts).

export interface MapContext {
  /** A raw state no table maps (shown as `unknown`, counted in metrics). */
  onUnknownState(resource: string, raw: string): void;
}

/** What a server's normalized form needs besides the server itself. */
export interface ServerRelations {
  volumes: ImVolume[];
  floatingIps: ImFloatingIp[];
  /** The server's plan, for cores, memory and realm (absent when it could not be read). */
  plan?: ImServerPlan;
  /** The account's labels, to read `label_ids` as gateway labels (model/labels.ts). */
  labels?: LabelIndex;
}

const NO_LABELS: LabelIndex = new Map();

/** The fields every resource has, as IMCO sent them. */
function base(nativeId: string, name: string | null | undefined, rawState: string | null | undefined) {
  return { nativeId, name: name ?? '', providerState: rawState ?? null };
}

/** An id IMCO sent for another object, or null: an empty string means none. */
const idOrNull = (id: string | null | undefined): string | null => id || null;

const version = (address: string) => (address.includes(':') ? 6 : 4);
const number = (value: unknown): number | null =>
  value === null || value === undefined || value === '' || !Number.isFinite(Number(value))
    ? null
    : Number(value);

/** `ssh_profile_ids` (v3) or the deprecated single `ssh_profile_id` (v2). */
export function sshProfileIdsOf(raw: ImServer): string[] {
  if (raw.ssh_profile_ids?.length) return raw.ssh_profile_ids;
  return raw.ssh_profile_id ? [raw.ssh_profile_id] : [];
}

export function toServer(ctx: MapContext, raw: ImServer, relations: ServerRelations): NativeServer {
  const addresses: IpAddressRef[] = [];
  const seen = new Set<string>();
  const add = (address: string | null | undefined, isPublic: boolean) => {
    if (!address || seen.has(address)) return;
    seen.add(address);
    addresses.push({ address, version: version(address), public: isPublic });
  };
  add(raw.private_ip, false);
  add(raw.public_ip, true);
  for (const ip of relations.floatingIps) if (ip.attached_server_id === raw.id) add(ip.address, true);
  const plan = relations.plan;
  return {
    ...base(raw.id, raw.name, raw.state),
    state: serverState(raw.state, (state) => ctx.onUnknownState('server', state)),
    cpuCores: number(plan?.cpus),
    cpuMhz: null,
    memoryMb: number(plan?.memory),
    imageId: idOrNull(raw.template_id),
    planId: idOrNull(raw.server_plan_id),
    locationId: idOrNull(plan?.realm_id),
    ipAddresses: addresses,
    volumeIds: relations.volumes
      .filter((volume) => volume.attached_server_id === raw.id)
      .map((volume) => volume.id),
    networkIds: raw.vpc_id ? [raw.vpc_id] : [],
    labels: labelsOf(raw.label_ids, relations.labels ?? NO_LABELS),
    extra: compact(
      {
        fqdn: raw.fqdn,
        cloudAccountId: raw.cloud_account_id,
        firewallProfileId: raw.firewall_profile_id,
        sshProfileIds: sshProfileIdsOf(raw),
        subnetId: raw.subnet_id,
        privateness: raw.privateness ?? undefined,
        brownfieldState: raw.brownfield_state,
        serverArrayId: raw.server_array_id,
        labelIds: raw.label_ids,
        planName: plan?.name,
        diskGb: number(plan?.storage),
      },
      true,
    ),
  };
}

export function toVolume(ctx: MapContext, raw: ImVolume, labels: LabelIndex = NO_LABELS): NativeVolume {
  const attached = !!raw.attached_server_id;
  return {
    ...base(raw.id, raw.name, raw.state),
    state: volumeState(raw.state, attached, (state) => ctx.onUnknownState('volume', state)),
    sizeGb: number(raw.size) ?? 0,
    serverId: idOrNull(raw.attached_server_id),
    // IMCO lists only extra block volumes; a server's boot disk is not a volume there.
    bootable: false,
    labels: labelsOf(raw.label_ids, labels),
    extra: compact(
      {
        device: raw.device,
        storagePlanId: raw.storage_plan_id,
        cloudAccountId: raw.cloud_account_id,
        realmId: raw.realm_id,
        remoteId: raw.remote_id,
        desiredRemoteId: raw.desired_remote_id,
        brownfield: raw.brownfield ?? undefined,
        labelIds: raw.label_ids,
      },
      true,
    ),
  };
}

/** Networks are VPCs; their subnets travel in `extra.subnets`. */
export function toNetwork(
  ctx: MapContext,
  raw: ImVpc,
  subnets: ImSubnet[],
  labels: LabelIndex = NO_LABELS,
): NativeNetwork {
  return {
    ...base(raw.id, raw.name, raw.state),
    state: networkState(raw.state, (state) => ctx.onUnknownState('network', state)),
    cidr: raw.cidr ?? null,
    gateway: null,
    vlan: null,
    labels: labelsOf(raw.label_ids, labels),
    extra: compact(
      {
        cloudAccountId: raw.cloud_account_id,
        realmProviderName: raw.realm_provider_name,
        hasVpn: raw.has_vpn ?? undefined,
        allowedSubnetTypes: raw.allowed_subnet_types,
        brownfield: raw.brownfield ?? undefined,
        labelIds: raw.label_ids,
        subnets: subnets
          .filter((subnet) => !subnet.vpc_id || subnet.vpc_id === raw.id)
          .map((subnet) =>
            compact(
              {
                id: subnet.id,
                name: subnet.name,
                cidr: subnet.cidr,
                type: subnet.type,
                state: subnet.state,
                serverCreationDisabled: subnet.server_creation_disabled ?? undefined,
              },
              true,
            ),
          ),
      },
      true,
    ),
  };
}

export function toIpAddress(
  ctx: MapContext,
  raw: ImFloatingIp,
  labels: LabelIndex = NO_LABELS,
): NativeIpAddress {
  const address = raw.address ?? '';
  return {
    ...base(raw.id, raw.name, raw.state),
    state: ipState(raw.state, !!raw.attached_server_id, (state) => ctx.onUnknownState('ip', state)),
    address,
    version: address ? version(address) : 4,
    serverId: idOrNull(raw.attached_server_id),
    networkId: null,
    public: true,
    labels: labelsOf(raw.label_ids, labels),
    extra: compact(
      {
        cloudAccountId: raw.cloud_account_id,
        realmId: raw.realm_id,
        desiredRemoteId: raw.desired_remote_id,
        brownfield: raw.brownfield ?? undefined,
        labelIds: raw.label_ids,
      },
      true,
    ),
  };
}

/**
 * SSH profiles are the connection's SSH keys (docs/providers/imco.md#ssh-keys). A public key that is not an
 * OpenSSH one is shown as unknown (null) rather than passed on.
 */
export function toSshKey(raw: ImSshProfile): NativeSshKey {
  const key = raw.public_key?.trim() ?? '';
  return {
    nativeId: raw.id,
    name: raw.name ?? '',
    providerState: null,
    publicKey: key && parsePublicKey(key) ? cleanText(key, 16_384) : null,
    extra: compact({ labelIds: raw.label_ids }, true),
  };
}

/** A template is an image servers are built from; `os` names its generic image. */
export function toTemplateImage(raw: ImTemplate, images: ImGenericImage[]): NativeImage {
  const generic = images.find((image) => image.id === raw.generic_image_id);
  return {
    nativeId: raw.id,
    name: raw.name ?? '',
    os: generic?.name ?? null,
    extra: compact(
      {
        kind: 'template',
        genericImageId: raw.generic_image_id,
        state: raw.state,
        runList: raw.run_list,
      },
      true,
    ),
  };
}

/** A generic image is offered too: a server created from one gets a template made for it. */
export function toGenericImage(raw: ImGenericImage): NativeImage {
  return {
    nativeId: raw.id,
    name: raw.name ?? '',
    os: raw.name ?? null,
    extra: { kind: 'generic_image' },
  };
}

export function toPlan(raw: ImServerPlan): NativePlan {
  return {
    nativeId: raw.id,
    name: raw.name ?? '',
    cpuCores: number(raw.cpus),
    cpuMhz: null,
    memoryMb: number(raw.memory),
    diskGb: number(raw.storage),
    custom: false,
    available: null,
    extra: compact(
      {
        realmId: raw.realm_id,
        locationId: nativeRef(raw.realm_id),
        cloudProviderId: raw.cloud_provider_id,
        realmProviderName: raw.realm_provider_name,
        flavourProviderName: raw.flavour_provider_name,
      },
      true,
    ),
  };
}

/** Locations are realms (a provider's region), the unit plans and volumes belong to. */
export function toLocation(raw: ImRealm): NativeLocation {
  return {
    nativeId: raw.id,
    name: raw.name ?? raw.provider_name ?? raw.id,
    extra: compact(
      {
        providerName: raw.provider_name,
        cloudProviderId: raw.cloud_provider_id,
        imcoLocationId: raw.location_id,
        deprecated: raw.deprecated ?? undefined,
      },
      true,
    ),
  };
}
