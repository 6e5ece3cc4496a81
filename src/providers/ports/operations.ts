import { ResourceType } from '../../domain/states';

/** Every mutation the public API offers, with the resource type it acts on. */
export const OPERATION_RESOURCE = {
  'server.create': ResourceType.Server,
  'server.start': ResourceType.Server,
  'server.stop': ResourceType.Server,
  'server.reboot': ResourceType.Server,
  'server.rename': ResourceType.Server,
  'server.delete': ResourceType.Server,
  'volume.create': ResourceType.Volume,
  'volume.delete': ResourceType.Volume,
  'volume.attach': ResourceType.Volume,
  'volume.detach': ResourceType.Volume,
  'network.create': ResourceType.Network,
  'network.delete': ResourceType.Network,
  'ip.allocate': ResourceType.Ip,
  'ip.release': ResourceType.Ip,
  'ip.attach': ResourceType.Ip,
  'ip.detach': ResourceType.Ip,
} as const;

export type OperationName = keyof typeof OPERATION_RESOURCE;
export const OPERATION_NAMES = Object.keys(OPERATION_RESOURCE) as OperationName[];

/** Operations that bring a resource into existence (no target id when accepted). */
export const CREATE_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'server.create',
  'volume.create',
  'network.create',
  'ip.allocate',
]);
/** Operations after which the resource is gone. */
export const DELETE_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'server.delete',
  'volume.delete',
  'network.delete',
  'ip.release',
]);

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
  powerOn: boolean;
  providerOptions: ProviderOptions;
}

export interface VolumeCreateInput {
  name: string;
  sizeGb: number;
  serverId?: string;
  providerOptions: ProviderOptions;
}

export interface NetworkCreateInput {
  name: string;
  cidr?: string;
  providerOptions: ProviderOptions;
}

export interface IpAllocateInput {
  serverId?: string;
  providerOptions: ProviderOptions;
}

/** Input of each operation, as stored with its task (never secrets of the gateway itself). */
export interface OperationInputs {
  'server.create': ServerCreateInput;
  'server.start': Record<string, never>;
  'server.stop': { force: boolean };
  'server.reboot': Record<string, never>;
  'server.rename': { name: string };
  'server.delete': Record<string, never>;
  'volume.create': VolumeCreateInput;
  'volume.delete': Record<string, never>;
  'volume.attach': { serverId: string };
  'volume.detach': Record<string, never>;
  'network.create': NetworkCreateInput;
  'network.delete': Record<string, never>;
  'ip.allocate': IpAllocateInput;
  'ip.release': Record<string, never>;
  'ip.attach': { serverId: string };
  'ip.detach': Record<string, never>;
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
