import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { Listed, SkippedItem } from '../../domain/listed';
import type {
  NativeImage,
  NativeIpAddress,
  NativeLocation,
  NativeNetwork,
  NativePlan,
  NativeServer,
  NativeSshKey,
  NativeVolume,
} from './native';
import type { OperationName, OperationRequest } from './operations';
import type { OperationPlan } from './operation-plan';

export type { Listed, SkippedItem };

/**
 * Reads of one resource type. `list` answers the items that passed the adapter's checks of the backend's
 * answer and those it left out (docs/adr/0004-untrusted-backends.md); `get` answers null when the backend says
 * the resource does not exist. Adapters answer native records; the core normalizes them.
 */
export interface ResourceReader<R> {
  list(): Promise<Listed<R>>;
  get(nativeId: string): Promise<R | null>;
}

export type ServerReader = ResourceReader<NativeServer>;
export type VolumeReader = ResourceReader<NativeVolume>;
export type NetworkReader = ResourceReader<NativeNetwork>;
export type IpReader = ResourceReader<NativeIpAddress>;
export type SshKeyReader = ResourceReader<NativeSshKey>;

/** Catalog reads an adapter offers; each is optional. */
export interface CatalogPort<I = NativeImage, P = NativePlan, L = NativeLocation> {
  images?(): Promise<I[]>;
  plans?(): Promise<P[]>;
  locations?(): Promise<L[]>;
}

/** The catalog as the core shows it (gateway ids). */
export type NormalizedCatalog = CatalogPort<Image, Plan, Location>;

/**
 * Mutations return plans, not promises: building a plan validates the request without any backend call (so
 * the API can answer 400 at once) and the worker runs its steps.
 */
export type Planner<O extends OperationName = OperationName> = (
  request: OperationRequest<O>,
) => OperationPlan;

/**
 * The operations an adapter can do, keyed by operation. Leave one out when the backend cannot do it: the
 * capability document then does not list it and the gateway answers 501 before any backend call.
 */
export type OperationPlans = { readonly [O in OperationName]?: Planner<O> };
