import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { Network } from '../../domain/network.dto';
import type { Server } from '../../domain/server.dto';
import type { SshKey } from '../../domain/ssh-key.dto';
import type { Volume } from '../../domain/volume.dto';

/**
 * What adapters answer: the normalized shape without the fields only the gateway knows (its id, the
 * connection, the provider kind, when the state was observed), and with every reference to another resource
 * in the backend's own ids (`imageId`, `volumeIds`, `serverId`…). The core normalizer
 * (src/providers/registry/resource-normalizer.ts) stamps those fields and turns references into gateway ids;
 * it is the only place that knows the gateway id format. `name` may carry the gateway's task marker: the
 * normalizer removes it.
 */
type GatewayStamped = 'id' | 'provider' | 'providerKind' | 'stateObservedAt' | 'activeTaskId';

export type NativeServer = Omit<Server, GatewayStamped>;
export type NativeVolume = Omit<Volume, GatewayStamped>;
export type NativeNetwork = Omit<Network, GatewayStamped>;
export type NativeIpAddress = Omit<IpAddress, GatewayStamped>;
/**
 * An SSH key; `fingerprint` is the core's (computed from `publicKey`): an adapter may give the backend's own in
 * `extra`.
 */
export type NativeSshKey = Omit<SshKey, GatewayStamped | 'fingerprint'>;
export type NativeResource = NativeServer | NativeVolume | NativeNetwork | NativeIpAddress | NativeSshKey;

export type NativeImage = Omit<Image, 'id'>;
export type NativePlan = Omit<Plan, 'id'>;
export type NativeLocation = Omit<Location, 'id'>;

/**
 * A reference to another resource inside `extra` (e.g. every server a shared drive is attached to). The
 * normalizer replaces it with that resource's gateway id; `extra` is otherwise passed through as is.
 */
export class NativeRef {
  constructor(readonly nativeId: string) {}
}

/** `nativeRef(id)` for an id, null for none: for references inside `extra`. */
export const nativeRef = (nativeId: string | null | undefined): NativeRef | null =>
  nativeId ? new NativeRef(nativeId) : null;
