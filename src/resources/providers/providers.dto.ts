import { ApiProperty } from '@nestjs/swagger';
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

/** A provider connection: one configured backend account. */
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

/** A provider connection with the detail a client needs to drive it. */
export class ProviderDetail extends Provider {
  /** Every operation of the API, supported or not, with its provider options schema. */
  operations: ProviderOperation[];
  /** Every action on existing resources, supported or not (what `allowedActions` can allow). */
  actions: ProviderAction[];
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
