import { ServerState, VolumeState } from '../../domain/states';
import { stateTable } from '../ports/state-table';
import { splitValues, type KvObject } from './cloudsigma.codec';

/**
 * Server `status` (reference §6 and §8.4): `stopped` is a persistent server at rest, never deleted; `paused`
 * is suspended; `dumped` and `dead` have no documented meaning, so they show as `error` with the raw value
 * kept; Dasein saw values starting with `imaging`, which are a server being prepared.
 */
const serverTable = stateTable<ServerState>(
  {
    active: ServerState.Running,
    stopped: ServerState.Stopped,
    paused: ServerState.Suspended,
    dumped: ServerState.Error,
    dead: ServerState.Error,
  },
  ServerState.Unknown,
);

export function serverState(raw: string | null | undefined, onUnknown?: (raw: string) => void): ServerState {
  if (raw && /^imaging/i.test(raw)) return ServerState.Provisioning;
  return serverTable(raw, onUnknown);
}

const driveTable = stateTable<VolumeState>(
  { active: VolumeState.Available, inactive: VolumeState.Error },
  VolumeState.Unknown,
);

/**
 * A drive is busy copying when it has an `imaging` key, a `status` starting with `copying` or `imaging`, or an
 * imaging lock among its `claimed` entries (LC, DS and JC each use one of these signals, reference §5).
 */
export function isImaging(drive: KvObject): boolean {
  if (drive.imaging !== undefined) return true;
  if (/^(copying|imaging)/i.test(drive.status ?? '')) return true;
  return splitValues(drive.claimed).some((claim) => /imaging/i.test(claim));
}

/** Progress of a copy, when the `imaging` key holds a percentage (`45%` or `45`); `queued` → 0. */
export function imagingProgress(drive: KvObject): number | undefined {
  const value = drive.imaging;
  if (value === undefined) return undefined;
  const match = /^(\d{1,3})\s*%?$/.exec(value ?? '');
  return match ? Math.min(100, Number(match[1])) : 0;
}

/** Drive state: copying → creating; `active` → available, or in-use when attached; `inactive` → error [I]. */
export function driveState(
  drive: KvObject,
  attached: boolean,
  onUnknown?: (raw: string) => void,
): VolumeState {
  if (isImaging(drive)) return VolumeState.Creating;
  const state = driveTable(drive.status, onUnknown);
  return state === VolumeState.Available && attached ? VolumeState.InUse : state;
}
