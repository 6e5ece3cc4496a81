import { LabeledResource } from './resource-base.dto';
import { VolumeState } from './states';

/** A normalized block volume (disk, drive). */
export class Volume extends LabeledResource {
  state: VolumeState;
  /** Size in GiB; may be fractional. */
  sizeGb: number;
  /** Gateway id of the server it is attached to. */
  serverId: string | null;
  /** True for the server's boot (root) disk. */
  bootable: boolean;
}
