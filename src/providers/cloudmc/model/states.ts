import { IpState, NetworkState, ServerState, VolumeState } from '../../../domain/states';
import { stateTable } from '../../kit/state-table';

/**
 * CloudStack VM states as CloudMC passes them through (docs/providers/cloudmc.md#instance-states). `Destroyed`
 * without purge is recoverable but gone from the user's point of view: deleted.
 */
export const instanceState = stateTable<ServerState>(
  {
    Starting: ServerState.Starting,
    Running: ServerState.Running,
    Stopping: ServerState.Stopping,
    Stopped: ServerState.Stopped,
    Shutdowned: ServerState.Stopped,
    Rebooting: ServerState.Rebooting,
    Migrating: ServerState.Running,
    Destroyed: ServerState.Deleted,
    Expunging: ServerState.Deleting,
    Error: ServerState.Error,
  },
  ServerState.Unknown,
);

/**
 * Volume states (only `Ready` is documented; the rest are CloudStack's: docs/providers/cloudmc.md#volume-states).
 * Attachment decides in-use.
 */
const volumeBase = stateTable<VolumeState>(
  {
    Allocated: VolumeState.Available,
    Ready: VolumeState.Available,
    // CloudStack's state while `resize` runs: the volume stays where it is (docs/providers/cloudmc.md#volume-resize).
    Resizing: VolumeState.Available,
    Creating: VolumeState.Creating,
    Attaching: VolumeState.Attaching,
    Detaching: VolumeState.Detaching,
    Destroy: VolumeState.Deleting,
    Expunging: VolumeState.Deleting,
    Expunged: VolumeState.Deleted,
    Error: VolumeState.Error,
    UploadError: VolumeState.Error,
  },
  VolumeState.Unknown,
);

export function volumeState(
  raw: string | null | undefined,
  attached: boolean,
  onUnknown?: (raw: string) => void,
): VolumeState {
  const state = volumeBase(raw, onUnknown);
  return state === VolumeState.Available && attached ? VolumeState.InUse : state;
}

/** Network states (docs/providers/cloudmc.md#network-states). */
export const networkState = stateTable<NetworkState>(
  {
    Allocated: NetworkState.Available,
    Implemented: NetworkState.Available,
    Setup: NetworkState.Available,
    Implementing: NetworkState.Creating,
    Shutdown: NetworkState.Deleting,
    Destroy: NetworkState.Deleting,
  },
  NetworkState.Unknown,
);

/** Public IP states (docs/providers/cloudmc.md#public-ip-states). */
const ipBase = stateTable<IpState>(
  {
    Allocating: IpState.Allocating,
    Allocated: IpState.Available,
    Releasing: IpState.Releasing,
    Free: IpState.Releasing,
  },
  IpState.Unknown,
);

/** A public IP with static NAT to a VM is attached; otherwise the raw state decides. */
export function ipState(
  raw: string | null | undefined,
  staticNat: boolean,
  onUnknown?: (raw: string) => void,
): IpState {
  const state = ipBase(raw, onUnknown);
  return state === IpState.Available && staticNat ? IpState.Attached : state;
}
