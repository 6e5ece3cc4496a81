import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { IpAddress } from '../../domain/ip-address.dto';
import type { Network } from '../../domain/network.dto';
import type { Server } from '../../domain/server.dto';
import type { Volume } from '../../domain/volume.dto';
import type { OperationRequest } from './operations';
import type { OperationPlan } from './operation-plan';
import type { Listed } from './wire';

/**
 * Reads of one resource type. `list` answers the items that passed the adapter's checks of the backend's
 * answer and those it left out (docs/adr/0004-untrusted-backends.md); `get` answers null when the backend says
 * the resource does not exist.
 */
export interface ResourceReader<R> {
  list(): Promise<Listed<R>>;
  get(nativeId: string): Promise<R | null>;
}

/**
 * Mutations return plans, not promises: building a plan validates the request without any backend call (so
 * the API can answer 400 at once) and the worker runs its steps. Leave a method out when the backend cannot
 * do it; the gateway then answers 501 before any backend call.
 */
type Planner<O extends OperationRequest['operation']> = (request: OperationRequest<O>) => OperationPlan;

export interface ServerPort extends ResourceReader<Server> {
  create?: Planner<'server.create'>;
  start?: Planner<'server.start'>;
  stop?: Planner<'server.stop'>;
  reboot?: Planner<'server.reboot'>;
  rename?: Planner<'server.rename'>;
  delete?: Planner<'server.delete'>;
}

export interface VolumePort extends ResourceReader<Volume> {
  create?: Planner<'volume.create'>;
  delete?: Planner<'volume.delete'>;
  attach?: Planner<'volume.attach'>;
  detach?: Planner<'volume.detach'>;
}

export interface NetworkPort extends ResourceReader<Network> {
  create?: Planner<'network.create'>;
  delete?: Planner<'network.delete'>;
}

export interface IpPort extends ResourceReader<IpAddress> {
  allocate?: Planner<'ip.allocate'>;
  release?: Planner<'ip.release'>;
  attach?: Planner<'ip.attach'>;
  detach?: Planner<'ip.detach'>;
}

export interface CatalogPort {
  images?(): Promise<Image[]>;
  plans?(): Promise<Plan[]>;
  locations?(): Promise<Location[]>;
}
