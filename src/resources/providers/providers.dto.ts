import { Problem } from '../../common/errors/problem.dto';
import { Image, Location, Plan } from '../../domain/catalog.dto';
import { ProviderKind } from '../../domain/states';

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
  capabilities: string[];
}

export class ProviderOperation {
  /** e.g. `server.create`. */
  operation: string;
  supported: boolean;
  /** Why it is not supported. */
  reason?: string;
  /** JSON Schema of the `providerOptions` this operation accepts. */
  providerOptionsSchema?: Record<string, unknown>;
}

/** A provider connection with the detail a client needs to drive it. */
export class ProviderDetail extends Provider {
  /** Every operation of the API, supported or not, with its provider options schema. */
  operations: ProviderOperation[];
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
