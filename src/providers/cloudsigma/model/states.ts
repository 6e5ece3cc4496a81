import { ServerState, VolumeState } from '../../../domain/states';
import { stateTable } from '../../kit/state-table';
import { splitValues, type KvObject } from '../client/codec';

/**
 * Server `status` (docs/providers/cloudsigma.md#server-states): `stopped` is a persistent server at rest, never
 * deleted; `paused` is suspended; `dumped` and `dead` have no documented meaning, so they show as `error` with
 * the raw value kept; values starting with `imaging` are a server being prepared.
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

/** Statuses from which a server will not come up by itself (meaning undocumented: docs/providers/cloudsigma.md#server-states). */
export const BROKEN = new Set(['dumped', 'dead']);

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
 * imaging lock among its `claimed` entries: clients each read one of these signals, so any of them counts
 * (docs/providers/cloudsigma.md#drive-states-and-imaging).
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

/**
 * Drive state: copying → creating; `active` → available, or in-use when attached; `inactive` → error, an
 * inferred reading (docs/providers/cloudsigma.md#drive-states-and-imaging).
 */
export function driveState(
  drive: KvObject,
  attached: boolean,
  onUnknown?: (raw: string) => void,
): VolumeState {
  if (isImaging(drive)) return VolumeState.Creating;
  const state = driveTable(drive.status, onUnknown);
  return state === VolumeState.Available && attached ? VolumeState.InUse : state;
}
