import { LabeledResource } from './resource-base.dto';
import { NetworkState } from './states';

/** A normalized network (tier, VPC, VLAN, IP network). */
export class Network extends LabeledResource {
  state: NetworkState;
  /** Address range in CIDR notation, when the backend has one. */
  cidr: string | null;
  /** Gateway address of the range, when known. */
  gateway: string | null;
  /** VLAN tag or id, when the backend exposes it. */
  vlan: string | null;
}
