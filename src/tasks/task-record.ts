import type { OperationRequest } from '../providers/ports/operations';
import type { SealedSecret } from './task-secrets';

/** What the worker needs besides the public task; never shown to clients. */
export interface TaskInternal {
  /**
   * The operation as requested. In Redis without the values of its secrets (see `secrets`); in the worker's hands,
   * as loaded by TaskStore.getWithInternal, with them.
   */
  request: OperationRequest;
  /** The request's secret inputs, sealed (task-secrets.ts); dropped with this record when the task ends. */
  secrets?: SealedSecret[];
  /** Index of the step to run next. */
  stepIndex: number;
  /** The adapter's persisted step state. */
  stepState: Record<string, unknown>;
  polls: number;
  stepStartedAt: number | null;
  /** Set before a non-idempotent step runs; still set after a crash means the step's fate is unknown. */
  stepInFlight: boolean;
  /** Consecutive transient failures of the current step. */
  failures: number;
  deadlineAtMs: number;
  /** Native id of the resource, once known. */
  nativeId: string | null;
  /** The resource id locked by this task, if any. */
  lockedResourceId: string | null;
  /** Request id of the API call that created the task, quoted in its problem document. */
  requestId: string;
  /** The resource's state when the task was accepted, for its history entry (absent: not known). */
  fromState?: string;
  /** The `traceparent` of the request that made the task, when tracing is on: its steps join that trace. */
  traceparent?: string;
  /**
   * Set once a canceled create undoes what it made (docs/design.md#cancel): the connection's delete plan of the
   * resource runs as the task's second phase, its steps appended to the task's as `undo-…`. `stepIndex` and the
   * fields after it then describe that phase.
   */
  undo?: UndoPhase;
}

export interface UndoPhase {
  /** Index in the task's steps of the first `undo-…` step. */
  offset: number;
  /** The undo phase's own deadline (epoch ms). */
  deadlineAtMs: number;
  /** The create's step state, for its `onFailure` clean-up once the undo has ended. */
  createState: Record<string, unknown>;
}
