import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../common/errors/error-codes';
import { Problem } from '../common/errors/problem.dto';
import type { AnyResource } from '../domain/resource';
import { IpAddressView, NetworkView, ServerView, VolumeView } from '../domain/resource-views.dto';
import { ProviderKind, ResourceType } from '../domain/states';
import { OPERATION_NAMES, type OperationName } from '../providers/ports/operations';

/**
 * `queued` → `running` → `succeeded` | `failed` | `canceled`. A task ends `canceled` after `POST
 * /v1/tasks/{id}/cancel`: at once while queued, at the next step boundary while running (docs/design.md#cancel).
 */
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
  /** Never run (or left part way between two polls) because the task was canceled. */
  Skipped = 'skipped',
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

/** Who asked for a task: the API key's configured name, never the key. */
export class TaskActor {
  keyName: string;
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
  @ApiProperty({ enum: OPERATION_NAMES, enumName: 'Operation' })
  operation: OperationName;
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
  /**
   * The resource after success (null for deletes and until success), told apart by `resourceType`. Its
   * `allowedActions` judge the state it had then; read the resource for what can be done now.
   */
  @ApiProperty({
    nullable: true,
    oneOf: [ServerView, VolumeView, NetworkView, IpAddressView].map((view) => ({
      $ref: getSchemaPath(view),
    })),
    discriminator: {
      propertyName: 'resourceType',
      mapping: {
        [ResourceType.Server]: getSchemaPath(ServerView),
        [ResourceType.Volume]: getSchemaPath(VolumeView),
        [ResourceType.Network]: getSchemaPath(NetworkView),
        [ResourceType.Ip]: getSchemaPath(IpAddressView),
      },
    },
  })
  result: AnyResource | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** When the task fails with `timeout` if it has not ended (`?deadlineSeconds=` of the request, when given). */
  deadlineAt: string;
  /** Who asked for the task; null for a task stored by a version that did not record it. */
  actor: TaskActor | null;
  /** When a cancel was asked for; the task ends `canceled` at its next step boundary (null: never asked). */
  cancelRequestedAt: string | null;
}

/** What an event says about a task: enough to show progress; `GET /v1/tasks/{id}` has the rest (steps, result). */
export class TaskSummary {
  id: string;
  provider: string;
  @ApiProperty({ enum: OPERATION_NAMES, enumName: 'Operation' })
  operation: OperationName;
  status: TaskStatus;
  /** 0 to 100 when known. */
  progress: number | null;
  /** The step running now (or the last one), e.g. `wait-imaging`. */
  step: string | null;
  /** The backend's last reported status, raw. */
  providerStatus: string | null;
  resource: TaskResourceRef;
  /** The problem code of a failed task, e.g. `provider_error`. */
  @ApiProperty({ enum: ERROR_CODES, enumName: 'ProblemCode', nullable: true })
  errorCode: ErrorCode | null;
  updatedAt: string;
}

export function summarize(task: Task): TaskSummary {
  const current = [...task.steps].reverse().find((step) => step.status !== StepStatus.Pending) ?? null;
  return {
    id: task.id,
    provider: task.provider,
    operation: task.operation,
    status: task.status,
    progress: task.progress,
    step: current?.name ?? null,
    providerStatus: task.providerStatus,
    resource: task.resource,
    errorCode: task.error?.code ?? null,
    updatedAt: task.updatedAt,
  };
}
