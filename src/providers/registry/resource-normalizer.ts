import { formatResourceId } from '../../common/ids/resource-id';
import { sshFingerprint } from '../../common/ssh/public-key';
import { visibleLabels } from '../../domain/labels';
import type { SshKey } from '../../domain/ssh-key.dto';
import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { Network } from '../../domain/network.dto';
import type { AnyResource, ResourceByType } from '../../domain/resource';
import type { Server } from '../../domain/server.dto';
import { ProviderKind, ResourceType } from '../../domain/states';
import type { Volume } from '../../domain/volume.dto';
import { unmarkedName } from '../ports/markers';
import {
  NativeRef,
  type NativeImage,
  type NativeIpAddress,
  type NativeLocation,
  type NativeNetwork,
  type NativePlan,
  type NativeResource,
  type NativeServer,
  type NativeSshKey,
  type NativeVolume,
} from '../ports/native';

/** `extra` is a small bag; references sit at most this deep in it (`attachments[].serverId`). */
const MAX_EXTRA_DEPTH = 3;

/**
 * Turns an adapter's native records into the gateway's: the one place that knows the gateway id format
 * (`<connection>:<nativeId>`), stamps the connection, its kind and the time of observation, and removes the
 * gateway's task marker from names. One per connection.
 */
export class ResourceNormalizer {
  constructor(
    private readonly connection: string,
    private readonly kind: ProviderKind,
  ) {}

  id(nativeId: string): string {
    return formatResourceId(this.connection, nativeId);
  }

  private ref(nativeId: string | null | undefined): string | null {
    return nativeId ? formatResourceId(this.connection, nativeId) : null;
  }

  private refs(nativeIds: readonly string[]): string[] {
    return nativeIds.map((nativeId) => formatResourceId(this.connection, nativeId));
  }

  /** References inside `extra` (NativeRef) become gateway ids; everything else is passed through as is. */
  private extra(extra: Record<string, unknown>): Record<string, unknown> {
    let out: Record<string, unknown> | null = null;
    for (const key in extra) {
      const value = extra[key];
      if (value === null || typeof value !== 'object') continue;
      const converted = this.extraValue(value, 1);
      if (converted !== value) (out ??= { ...extra })[key] = converted;
    }
    return out ?? extra;
  }

  private extraValue(value: unknown, depth: number): unknown {
    if (value instanceof NativeRef) return formatResourceId(this.connection, value.nativeId);
    if (value === null || typeof value !== 'object' || depth > MAX_EXTRA_DEPTH) return value;
    if (Array.isArray(value)) {
      let changed = false;
      const mapped = value.map((item: unknown) => {
        const next = this.extraValue(item, depth + 1);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? mapped : value;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    let out: Record<string, unknown> | null = null;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const next = this.extraValue(record[key], depth + 1);
      if (next !== record[key]) (out ??= { ...record })[key] = next;
    }
    return out ?? value;
  }

  /** The fields in the order the API has always shown them: the gateway's, then the native record's. */
  private stamped<N extends NativeResource>(native: N, observedAt: string) {
    const { nativeId, name, providerState, ...rest } = native;
    return {
      id: formatResourceId(this.connection, nativeId),
      provider: this.connection,
      providerKind: this.kind,
      nativeId,
      name: unmarkedName(name),
      providerState,
      stateObservedAt: observedAt,
      ...rest,
    };
  }

  server(native: NativeServer, observedAt = new Date().toISOString()): Server {
    return {
      ...this.stamped(native, observedAt),
      imageId: this.ref(native.imageId),
      planId: this.ref(native.planId),
      locationId: this.ref(native.locationId),
      volumeIds: this.refs(native.volumeIds),
      networkIds: this.refs(native.networkIds),
      labels: visibleLabels(native.labels),
      extra: this.extra(native.extra),
    };
  }

  volume(native: NativeVolume, observedAt = new Date().toISOString()): Volume {
    return {
      ...this.stamped(native, observedAt),
      serverId: this.ref(native.serverId),
      labels: visibleLabels(native.labels),
      extra: this.extra(native.extra),
    };
  }

  network(native: NativeNetwork, observedAt = new Date().toISOString()): Network {
    return {
      ...this.stamped(native, observedAt),
      labels: visibleLabels(native.labels),
      extra: this.extra(native.extra),
    };
  }

  ip(native: NativeIpAddress, observedAt = new Date().toISOString()): IpAddress {
    return {
      ...this.stamped(native, observedAt),
      serverId: this.ref(native.serverId),
      networkId: this.ref(native.networkId),
      labels: visibleLabels(native.labels),
      extra: this.extra(native.extra),
    };
  }

  /** An SSH key, with the fingerprint computed here from its public key (one way for every backend). */
  sshKey(native: NativeSshKey, observedAt = new Date().toISOString()): SshKey {
    return {
      ...this.stamped(native, observedAt),
      fingerprint: sshFingerprint(native.publicKey),
      extra: this.extra(native.extra),
    };
  }

  /** A native record of the given type (a step's fresh read). */
  resource<T extends ResourceType>(type: T, native: NativeResource, observedAt?: string): ResourceByType[T] {
    const normalized: AnyResource =
      type === ResourceType.Server
        ? this.server(native as NativeServer, observedAt)
        : type === ResourceType.Volume
          ? this.volume(native as NativeVolume, observedAt)
          : type === ResourceType.Network
            ? this.network(native as NativeNetwork, observedAt)
            : type === ResourceType.Ip
              ? this.ip(native as NativeIpAddress, observedAt)
              : this.sshKey(native as NativeSshKey, observedAt);
    return normalized as ResourceByType[T];
  }

  image(native: NativeImage): Image {
    return { id: this.id(native.nativeId), ...native, extra: this.extra(native.extra) };
  }

  plan(native: NativePlan): Plan {
    return { id: this.id(native.nativeId), ...native, extra: this.extra(native.extra) };
  }

  location(native: NativeLocation): Location {
    return { id: this.id(native.nativeId), ...native, extra: this.extra(native.extra) };
  }
}
