import type { Labels } from '../../domain/labels';
import { ResourceType } from '../../domain/states';

/** Every mutation the public API offers, with the resource type it acts on. */
export const OPERATION_RESOURCE = {
  'server.create': ResourceType.Server,
  'server.start': ResourceType.Server,
  'server.stop': ResourceType.Server,
  'server.reboot': ResourceType.Server,
  'server.rename': ResourceType.Server,
  'server.resize': ResourceType.Server,
  'server.rebuild': ResourceType.Server,
  'server.relabel': ResourceType.Server,
  'server.delete': ResourceType.Server,
  'volume.create': ResourceType.Volume,
  'volume.delete': ResourceType.Volume,
  'volume.attach': ResourceType.Volume,
  'volume.detach': ResourceType.Volume,
  'volume.resize': ResourceType.Volume,
  'volume.relabel': ResourceType.Volume,
  'network.create': ResourceType.Network,
  'network.delete': ResourceType.Network,
  'network.relabel': ResourceType.Network,
  'ip.allocate': ResourceType.Ip,
  'ip.release': ResourceType.Ip,
  'ip.attach': ResourceType.Ip,
  'ip.detach': ResourceType.Ip,
  'ip.relabel': ResourceType.Ip,
  'sshKey.create': ResourceType.SshKey,
  'sshKey.delete': ResourceType.SshKey,
} as const;

export type OperationName = keyof typeof OPERATION_RESOURCE;
export const OPERATION_NAMES = Object.keys(OPERATION_RESOURCE) as OperationName[];

/** Operations that bring a resource into existence (no target id when accepted). */
export const CREATE_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'server.create',
  'volume.create',
  'network.create',
  'ip.allocate',
  'sshKey.create',
]);
/** Operations after which the resource is gone. */
export const DELETE_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'server.delete',
  'volume.delete',
  'network.delete',
  'ip.release',
  'sshKey.delete',
]);

/** Operations that set a resource's labels: only where the backend keeps them (else the gateway does, at once). */
export const RELABEL_OPERATIONS = {
  [ResourceType.Server]: 'server.relabel',
  [ResourceType.Volume]: 'volume.relabel',
  [ResourceType.Network]: 'network.relabel',
  [ResourceType.Ip]: 'ip.relabel',
} as const;

export type ProviderOptions = Record<string, unknown>;

export interface ServerCreateInput {
  name: string;
  /** Native ids from here on: the core resolved gateway ids before the adapter sees them. */
  imageId: string;
  planId?: string;
  cpuCores?: number;
  memoryMb?: number;
  locationId?: string;
  networkIds?: string[];
  sshPublicKeys?: string[];
  /** Native ids of the connection's SSH keys (the core resolved gateway ids). */
  sshKeyIds?: string[];
  /**
   * Cloud-init or script text for the first boot, as the caller gave it (the adapter encodes it as its backend
   * wants). A secret: sealed in the task record, never logged (docs/design.md#user-data).
   */
  userData?: string;
  labels: Labels;
  powerOn: boolean;
  providerOptions: ProviderOptions;
}

export interface ServerResizeInput {
  /** Native id of a plan (offering, preset), or cores and memory where the backend sizes freely. */
  planId?: string;
  cpuCores?: number;
  memoryMb?: number;
}

export interface ServerRebuildInput {
  /** Native id of the image to reinstall from. */
  imageId: string;
  sshPublicKeys?: string[];
  sshKeyIds?: string[];
  /** A secret, as in a create. */
  userData?: string;
  providerOptions: ProviderOptions;
}

/** The whole label set the resource must carry afterwards (the core merged the caller's change into it). */
export interface RelabelInput {
  labels: Labels;
}

export interface VolumeCreateInput {
  name: string;
  sizeGb: number;
  serverId?: string;
  labels: Labels;
  providerOptions: ProviderOptions;
}

export interface NetworkCreateInput {
  name: string;
  cidr?: string;
  labels: Labels;
  providerOptions: ProviderOptions;
}

export interface IpAllocateInput {
  serverId?: string;
  labels: Labels;
  providerOptions: ProviderOptions;
}

/** Input of each operation, as stored with its task (never secrets of the gateway itself). */
export interface OperationInputs {
  'server.create': ServerCreateInput;
  'server.start': Record<string, never>;
  'server.stop': { force: boolean };
  'server.reboot': Record<string, never>;
  'server.rename': { name: string };
  'server.resize': ServerResizeInput;
  'server.rebuild': ServerRebuildInput;
  'server.relabel': RelabelInput;
  'server.delete': Record<string, never>;
  'volume.create': VolumeCreateInput;
  'volume.delete': Record<string, never>;
  'volume.attach': { serverId: string };
  'volume.detach': Record<string, never>;
  'volume.resize': { sizeGb: number };
  'volume.relabel': RelabelInput;
  'network.create': NetworkCreateInput;
  'network.delete': Record<string, never>;
  'network.relabel': RelabelInput;
  'ip.allocate': IpAllocateInput;
  'ip.release': Record<string, never>;
  'ip.attach': { serverId: string };
  'ip.detach': Record<string, never>;
  'ip.relabel': RelabelInput;
  'sshKey.create': { name: string; publicKey: string };
  'sshKey.delete': Record<string, never>;
}

/** What the worker hands an adapter to rebuild the plan of a task at any time, in any process. */
export interface OperationRequest<O extends OperationName = OperationName> {
  operation: O;
  /** Native id of the resource acted on; null for creates. */
  target: string | null;
  input: OperationInputs[O];
  /** The gateway task id: adapters use it to mark what they create, so a restart can find it again. */
  taskId: string;
}
