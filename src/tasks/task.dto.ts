import { Problem } from '../common/errors/problem.dto';
import { ProviderKind, ResourceType } from '../domain/states';

export enum TaskStatus {
  Queued = 'queued',
  Running = 'running',
  Succeeded = 'succeeded',
  Failed = 'failed',
  Canceled = 'canceled',
}

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  TaskStatus.Succeeded,
  TaskStatus.Failed,
  TaskStatus.Canceled,
]);

export enum StepStatus {
  Pending = 'pending',
  Running = 'running',
  Succeeded = 'succeeded',
  Failed = 'failed',
}

export class TaskStep {
  /** What the step does, e.g. `create-instance`, `wait-task`, `start`. */
  name: string;
  status: StepStatus;
  startedAt: string | null;
  completedAt: string | null;
}

export class TaskResourceRef {
  type: ResourceType;
  /** Gateway id of the resource; null until a create learns it. */
  id: string | null;
}

export class TaskProviderRef {
  /** What the id names, e.g. `cloudmc-task`. */
  kind: string;
  id: string;
}

/**
 * A durable gateway task: every mutation becomes one, whatever the backend does underneath. Terminal tasks
 * are kept for at least 24 hours.
 */
export class Task {
  /** Opaque, sortable id (ULID). */
  id: string;
  /** Provider connection the task acts on. */
  provider: string;
  providerKind: ProviderKind;
  /** What the task does, e.g. `server.create`, `volume.attach`. */
  operation: string;
  status: TaskStatus;
  resource: TaskResourceRef;
  /** 0 to 100 when known (from the backend or from the steps done), else null. */
  progress: number | null;
  steps: TaskStep[];
  /** The backend's own handle of the operation, when it has one. */
  providerRef: TaskProviderRef | null;
  /** The backend's last reported status of the operation, raw. */
  providerStatus: string | null;
  /** Why the task failed. */
  error: Problem | null;
  /** The resource after success (null for deletes and until success). */
  result: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** When the task fails with `timeout` if it has not ended. */
  deadlineAt: string;
}
