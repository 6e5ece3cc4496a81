import { IpState, NetworkState, ServerState, VolumeState } from '../../../domain/states';
import { stateTable } from '../../kit/state-table';

/**
 * The closed list of nine server states (docs/providers/imco.md#server-states). Later platform releases may add
 * states: they show as `unknown` and are reported, never guessed.
 */
export const serverState = stateTable<ServerState>(
  {
    commissioning: ServerState.Provisioning,
    inactive: ServerState.Stopped,
    booting: ServerState.Starting,
    bootstrapping: ServerState.Starting,
    operational: ServerState.Running,
    shutting_down: ServerState.Stopping,
    decommissioning: ServerState.Deleting,
    stalled: ServerState.Error,
    commission_stalled: ServerState.Error,
  },
  ServerState.Unknown,
);

/** Server states in which IMCO is still working and a caller should wait. */
export const SERVER_TRANSITIONAL = [
  'commissioning',
  'booting',
  'bootstrapping',
  'shutting_down',
  'decommissioning',
];

// No source names the volume, VPC and floating-IP states (docs/providers/imco.md#volumes-and-storage-plans). The
// tables take the simulator's vocabulary (the servers' one: commissioning, decommissioning) and the likeliest
// alternatives.

const volumeBase = stateTable<VolumeState>(
  {
    commissioning: VolumeState.Creating,
    creating: VolumeState.Creating,
    detached: VolumeState.Available,
    available: VolumeState.Available,
    unattached: VolumeState.Available,
    ready: VolumeState.Available,
    attaching: VolumeState.Attaching,
    attached: VolumeState.InUse,
    in_use: VolumeState.InUse,
    'in-use': VolumeState.InUse,
    detaching: VolumeState.Detaching,
    decommissioning: VolumeState.Deleting,
    deleting: VolumeState.Deleting,
    error: VolumeState.Error,
    failed: VolumeState.Error,
  },
  VolumeState.Unknown,
);

/** The attachment decides between available and in-use when the raw state says only "ready". */
export function volumeState(
  raw: string | null | undefined,
  attached: boolean,
  onUnknown?: (raw: string) => void,
): VolumeState {
  const state = volumeBase(raw, onUnknown);
  if (state === VolumeState.Available && attached) return VolumeState.InUse;
  if (state === VolumeState.InUse && !attached) return VolumeState.Available;
  return state;
}

export const networkState = stateTable<NetworkState>(
  {
    commissioning: NetworkState.Creating,
    creating: NetworkState.Creating,
    active: NetworkState.Available,
    available: NetworkState.Available,
    ready: NetworkState.Available,
    decommissioning: NetworkState.Deleting,
    deleting: NetworkState.Deleting,
    error: NetworkState.Error,
    failed: NetworkState.Error,
  },
  NetworkState.Unknown,
);

const ipBase = stateTable<IpState>(
  {
    commissioning: IpState.Allocating,
    allocating: IpState.Allocating,
    detached: IpState.Available,
    available: IpState.Available,
    // Not attached yet, or still attached: the normalized state follows the address's reachability.
    attaching: IpState.Available,
    attached: IpState.Attached,
    detaching: IpState.Attached,
    decommissioning: IpState.Releasing,
    releasing: IpState.Releasing,
    error: IpState.Error,
    failed: IpState.Error,
  },
  IpState.Unknown,
);

export function ipState(
  raw: string | null | undefined,
  attached: boolean,
  onUnknown?: (raw: string) => void,
): IpState {
  const state = ipBase(raw, onUnknown);
  if (state === IpState.Available && attached && (raw ?? '').toLowerCase() !== 'attaching')
    return IpState.Attached;
  return state;
}

/** True when `raw` is one of `states` (case-insensitive). */
export function stateIs(
  resource: { state?: string | null } | null | undefined,
  ...states: string[]
): boolean {
  const raw = resource?.state?.toLowerCase();
  return !!raw && states.some((state) => state.toLowerCase() === raw);
}

/** What a template's state means to a server create that needs it (docs/providers/imco.md#templates). */
export type TemplatePhase = 'created' | 'compiling' | 'ready' | 'failed' | 'unknown';

/**
 * The four template states of the IMCO v3 docs. `compiled` is not one of them, but no recorded real answer
 * rules it out (an earlier simulator used it), so it is read as `ready`. Anything else is `unknown`: waited
 * through and reported, never guessed.
 */
export const templatePhase = stateTable<TemplatePhase>(
  {
    created: 'created',
    compiling: 'compiling',
    ready: 'ready',
    compiled: 'ready',
    compiling_error: 'failed',
  },
  'unknown',
);
