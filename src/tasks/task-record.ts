import type { OperationRequest } from '../providers/ports/operations';

/** What the worker needs besides the public task; never shown to clients. */
export interface TaskInternal {
  request: OperationRequest;
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
}
