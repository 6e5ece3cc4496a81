import { IpState, ServerState } from '../../../domain/states';
import { stateTable } from '../../kit/state-table';
import type { DciOperation, DciServer } from '../client/wire';

// DCImanager has three independent axes (docs/providers/dcimanager.md#power-and-state): the long operation, the
// administrative `state` and `power_status`. The server state checks them in the order of the table in
// docs/providers/dcimanager.md#server-state.

export type OperationPhase = 'running' | 'done' | 'failed';

// Operation statuses are not documented; VMmanager 6 tasks say `complete`/`fail` and anything else is running
// (docs/providers/dcimanager.md#operation-status).
const operationPhaseTable = stateTable<OperationPhase | 'unknown'>(
  {
    created: 'running',
    new: 'running',
    pending: 'running',
    queued: 'running',
    running: 'running',
    in_progress: 'running',
    inprogress: 'running',
    processing: 'running',
    complete: 'done',
    completed: 'done',
    done: 'done',
    success: 'done',
    ok: 'done',
    finished: 'done',
    fail: 'failed',
    failed: 'failed',
    error: 'failed',
    canceled: 'failed',
    cancelled: 'failed',
    aborted: 'failed',
  },
  'unknown',
);

/** Phase of an operation; an unknown status counts as running (the server is busy) and is reported. */
export function operationPhase(
  operation: DciOperation | null | undefined,
  onUnknown?: (raw: string) => void,
): OperationPhase | null {
  if (!operation) return null;
  const phase = operationPhaseTable(operation.status, onUnknown);
  if (phase !== 'unknown') return phase;
  return /(_error|_fail)$/i.test(operation.status ?? '') ? 'failed' : 'running';
}

/** A long operation runs on the server: power commands and new operations wait. */
export const isBusy = (raw: DciServer) => operationPhase(raw.operation) === 'running';

/** The raw state a busy server shows, as `serverState` reports it. */
export const busyStatus = (raw: DciServer) => `operation:${raw.operation?.status ?? ''}`;

/** `power_status`, lower-cased; `unknown` when absent. */
export const powerStatusOf = (raw: DciServer) => (raw.power_status ?? 'unknown').toLowerCase();

const adminTable = stateTable<ServerState>(
  {
    ok: ServerState.Running,
    // Our enum has no suspending/resuming: both are shown as suspended until the block is lifted.
    suspending: ServerState.Suspended,
    suspended: ServerState.Suspended,
    resuming: ServerState.Suspended,
    suspend_error: ServerState.Error,
    resume_error: ServerState.Error,
  },
  ServerState.Unknown,
);

const powerTable = stateTable<ServerState>(
  { on: ServerState.Running, off: ServerState.Stopped, unknown: ServerState.Unknown },
  ServerState.Unknown,
);

const failedIp = (status: string | null | undefined) => /^(fail|allocation_fail)$/i.test(status ?? '');

export interface DerivedState {
  state: ServerState;
  /** The raw value that decided, e.g. `on`, `suspended`, `operation:running`. */
  providerState: string;
}

export function serverState(raw: DciServer, onUnknown?: (raw: string) => void): DerivedState {
  const phase = operationPhase(raw.operation, onUnknown);
  if (phase === 'running')
    return { state: ServerState.Provisioning, providerState: `operation:${raw.operation!.status ?? ''}` };
  if (phase === 'failed')
    return { state: ServerState.Error, providerState: `operation:${raw.operation!.status ?? ''}` };
  const admin = (raw.state ?? 'ok').toLowerCase();
  if (admin !== 'ok') {
    const state = adminTable(admin, onUnknown);
    return { state, providerState: admin };
  }
  if (raw.has_errors) return { state: ServerState.Error, providerState: 'has_errors' };
  const ipFailure = raw.ip?.find((ip) => failedIp(ip.status));
  if (ipFailure) return { state: ServerState.Error, providerState: `ip:${ipFailure.status}` };
  const power = (raw.power_status ?? 'unknown').toLowerCase();
  return { state: powerTable(power, onUnknown), providerState: power };
}

export const ipState = stateTable<IpState>(
  {
    allocating: IpState.Allocating,
    in_progress: IpState.Allocating,
    deleting: IpState.Releasing,
    // DCImanager addresses always sit on a server.
    ok: IpState.Attached,
    fail: IpState.Error,
    allocation_fail: IpState.Error,
  },
  IpState.Unknown,
);

/** 0-100 from `progress_info`: a numeric `progress`/`percent` when given, else the share of finished stages. */
export function operationProgress(operation: DciOperation | null | undefined): number | undefined {
  const stages: unknown[] = Array.isArray(operation?.progress_info)
    ? (operation.progress_info as unknown[])
    : [];
  if (stages.length === 0) return undefined;
  const numbers = stages
    .map((s) =>
      s && typeof s === 'object'
        ? ((s as Record<string, unknown>).progress ?? (s as Record<string, unknown>).percent)
        : s,
    )
    .filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
  if (numbers.length === stages.length) return Math.max(0, Math.min(100, Math.round(Math.max(...numbers))));
  const finished = stages.filter((s) => {
    const status = s && typeof s === 'object' ? (s as Record<string, unknown>).status : undefined;
    return typeof status === 'string' && operationPhaseTable(status) === 'done';
  }).length;
  return Math.round((finished / stages.length) * 100);
}
