import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { Problem } from '../../common/errors/problem.dto';
import { ACTION_NAMES, type ActionName } from '../../providers/ports/actions';
import { CAPABILITIES, type Capability } from '../../providers/registry/capabilities';
import { OPERATION_NAMES, type OperationName } from '../../providers/ports/operations';
import { Image, Location, Plan } from '../../domain/catalog.dto';
import { ProviderKind, ResourceType } from '../../domain/states';

export enum Reachability {
  Reachable = 'reachable',
  Unreachable = 'unreachable',
  Unknown = 'unknown',
}

/**
 * The deadline of one operation on a connection, in seconds (docs/design.md#caller-deadlines): what applies when the
 * request names none, and the longest `?deadlineSeconds=` a request may name.
 */
export class OperationDeadline {
  /**
   * The deadline when the request names none: the connection's configured deadline of the operation, else the
   * gateway's `tasks.defaultDeadlineSeconds`. An adapter may set its own default for an operation when it plans a
   * request (e.g. longer for a bare-metal install), which then applies instead: the task's `deadlineAt` says which.
   */
  @ApiProperty({ type: 'integer', minimum: 1 })
  defaultSeconds: number;
  /**
   * The longest `?deadlineSeconds=` taken: the connection's `maxDeadlines`, else `tasks.maxDeadlineSeconds`; never
   * below the connection's configured deadline of the operation.
   */
  @ApiProperty({ type: 'integer', minimum: 1 })
  maxSeconds: number;
}

/** A provider connection: one configured backend account. */
@ApiExtraModels(OperationDeadline)
export class Provider {
  /** Connection name, the first part of every resource id of this backend. */
  name: string;
  kind: ProviderKind;
  /** Whether the last check reached the backend with our credentials. */
  status: Reachability;
  /** When the gateway last checked; null before the first check. */
  lastCheckedAt: string | null;
  /** Why the last check failed. */
  statusDetail?: Problem;
  /** What this connection can do, e.g. `server.create`, `volume.read`, `catalog.images`. */
  @ApiProperty({ enum: CAPABILITIES, enumName: 'Capability', isArray: true })
  capabilities: Capability[];
  /**
   * For each operation this connection can do (e.g. `server.create`), its default deadline and the longest one a
   * request may ask for with `?deadlineSeconds=`.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(OperationDeadline) },
    example: { 'server.create': { defaultSeconds: 1800, maxSeconds: 86400 } },
  })
  deadlines: Record<string, OperationDeadline>;
}

export class ProviderOperation {
  /** e.g. `server.create`. */
  @ApiProperty({ enum: OPERATION_NAMES, enumName: 'Operation' })
  operation: OperationName;
  supported: boolean;
  /** Why it is not supported. */
  reason?: string;
  /** JSON Schema of the `providerOptions` this operation accepts. */
  providerOptionsSchema?: Record<string, unknown>;
  /**
   * JSON Schema of the whole request body this operation takes on this connection: required fields, limits,
   * this connection's `providerOptions` and rules (e.g. SSH keys or a password for a bare-metal install), and in
   * `x-unsupported` the fields it cannot take, with why (they answer 501). A body that breaks it answers 400
   * naming the field, before any backend call.
   */
  requestSchema?: Record<string, unknown>;
}

/**
 * An action on an existing resource, as resources list it in `allowedActions`. A resource's action is refused
 * with `unsupported_operation` exactly when it is unsupported here.
 */
export class ProviderAction {
  /** e.g. `server.forceStop`: the resource type, then the key of the action in `allowedActions`. */
  @ApiProperty({ enum: ACTION_NAMES, enumName: 'ActionName' })
  action: ActionName;
  resourceType: ResourceType;
  /** The operation a request for this action runs (`server.forceStop` is `server.stop` with `force: true`). */
  @ApiProperty({ enum: OPERATION_NAMES, enumName: 'Operation' })
  operation: OperationName;
  supported: boolean;
  /** Why it is not supported. */
  reason?: string;
}

/** Who keeps the labels of a resource type: its backend, or the gateway in its own store. */
export enum LabelStorage {
  Native = 'native',
  Gateway = 'gateway',
}

/** Where the labels of each resource type live on this connection: `native` (the backend) or `gateway`. */
export class LabelStorageByType {
  @ApiProperty({ enum: LabelStorage })
  server: LabelStorage;
  @ApiProperty({ enum: LabelStorage })
  volume: LabelStorage;
  @ApiProperty({ enum: LabelStorage })
  network: LabelStorage;
  @ApiProperty({ enum: LabelStorage })
  ip: LabelStorage;
}

/**
 * How this connection keeps labels (docs/design.md#labels). Where the backend keeps them, a change is a task
 * (`<type>.relabel`) and other clients of the backend see them; where the gateway keeps them, a change answers
 * 200 at once and only this gateway knows them.
 */
export class ProviderLabels {
  /** `native` or `gateway` when every type the connection reads is kept the same way, else `mixed`. */
  @ApiProperty({ enum: ['native', 'gateway', 'mixed'] })
  storage: 'native' | 'gateway' | 'mixed';
  byType: LabelStorageByType;
  /** Why the backend keeps none of some types, when it says. */
  reason?: string;
}

/** Whether a server create (and rebuild) takes a field on this connection, and if not, why. */
export class FeatureSupport {
  supported: boolean;
  /** Why it is not supported. */
  reason?: string;
}

export class UserDataSupport extends FeatureSupport {
  /** Longest `userData` taken, in bytes of UTF-8 text as sent (the backend's limit). */
  maxBytes?: number;
}

/** Parts of a server create and rebuild not every backend takes; a request using a missing one answers 501. */
export class ProviderFeatures {
  /** `userData` (cloud-init or script text; docs/design.md#user-data). */
  userData: UserDataSupport;
  /** `sshKeyIds`: SSH keys of the connection (`/v1/ssh-keys`). */
  sshKeyIds: FeatureSupport;
  /** `sshPublicKeys`: keys given as text. */
  sshPublicKeys: FeatureSupport;
}

/** A provider connection with the detail a client needs to drive it. */
export class ProviderDetail extends Provider {
  /** Every operation of the API, supported or not, with its provider options schema. */
  operations: ProviderOperation[];
  /** Every action on existing resources, supported or not (what `allowedActions` can allow). */
  actions: ProviderAction[];
  /** Who keeps the labels of each resource type. */
  labels: ProviderLabels;
  /** Fields of a server create and rebuild this connection takes, or why not. */
  features: ProviderFeatures;
}

export class ProviderList {
  items: Provider[];
}

export class ImageList {
  items: Image[];
}

export class PlanList {
  items: Plan[];
}

export class LocationList {
  items: Location[];
}
