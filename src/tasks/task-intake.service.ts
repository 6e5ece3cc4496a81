import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { monotonicFactory } from 'ulid';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import {
  ConflictError,
  IdempotencyMismatchError,
  UnsupportedOperationError,
} from '../common/errors/gateway-error';
import { activeTraceparent } from '../common/tracing/trace-context';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { RefusalReason } from '../domain/allowed-actions.dto';
import {
  OPERATION_RESOURCE,
  OperationInputs,
  OperationName,
  OperationRequest,
} from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { TaskEvents } from './task-events.service';
import { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';
import { StepStatus, Task, TaskStatus } from './task.dto';
import type { TaskInternal } from './task-record';
import { secretInputPaths, secretOptionPaths } from './task-secrets';

const ulid = monotonicFactory();

export interface IdempotencyContext {
  apiKeyName: string;
  key: string;
  /** Digest of method, path and body. */
  fingerprint: string;
}

export interface SubmitParams<O extends OperationName> {
  adapter: Connection;
  operation: O;
  /** Native id of the resource acted on; null for creates. */
  target: string | null;
  /** Gateway id of that resource; locked for the task's lifetime. */
  resourceId: string | null;
  input: OperationInputs[O];
  idempotency: IdempotencyContext | null;
  requestId: string;
  /** The API key's name of who asks (`task.actor`). */
  actor: string;
  /** The resource's state as the request saw it (its history entry's `fromState`); null when not read. */
  fromState?: string | null;
  /** `?deadlineSeconds=` of the request, already checked against the connection's maximum. */
  deadlineSeconds?: number;
}

export interface Submitted {
  task: Task;
  /** True when an Idempotency-Key replay returned an earlier task. */
  replayed: boolean;
}

/** Turns an accepted mutation into a durable task and its job. */
@Injectable()
export class TaskIntake {
  private readonly logger = new Logger(TaskIntake.name);

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    private readonly events: TaskEvents,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The earlier task of an Idempotency-Key, checked before anything else so a replay answers as the first call did. */
  async replay(connection: string, idempotency: IdempotencyContext): Promise<Task | null> {
    const record = await this.redis.get(
      keys.idempotency(connection, idempotency.apiKeyName, idempotency.key),
    );
    if (!record) return null;
    const separator = record.lastIndexOf('|');
    return this.resolveReplay(
      connection,
      record.slice(separator + 1),
      record.slice(0, separator) === idempotency.fingerprint,
    );
  }

  async submit<O extends OperationName>(params: SubmitParams<O>): Promise<Submitted> {
    if (!params.adapter.can(params.operation))
      throw new UnsupportedOperationError(
        params.adapter.name,
        params.operation,
        params.adapter.unsupportedReasons?.[params.operation],
      );
    const taskId = ulid();
    const request: OperationRequest = {
      operation: params.operation,
      target: params.target,
      input: params.input,
      taskId,
    };
    const plan = params.adapter.plan(request); // validates the request against what the backend can do, before anything is stored
    // Secret inputs (writeOnly in the adapter's option schema; `userData`) are stored sealed only; 400 without a key.
    const secrets = this.store.sealSecrets(
      taskId,
      params.input,
      secretOptionPaths(params.adapter.optionSchemas?.[params.operation]),
      secretInputPaths(params.operation),
    );

    const now = Date.now();
    const deadlineSeconds =
      params.deadlineSeconds ??
      params.adapter.settings.deadlines?.[params.operation] ??
      plan.deadlineSeconds ??
      this.config.tasks.defaultDeadlineSeconds;
    const deadlineAtMs = now + deadlineSeconds * 1000;
    const createdAt = new Date(now).toISOString();
    const traceparent = activeTraceparent();
    const task: Task = {
      id: taskId,
      provider: params.adapter.name,
      providerKind: params.adapter.kind,
      operation: params.operation,
      status: TaskStatus.Queued,
      resource: { type: OPERATION_RESOURCE[params.operation], id: params.resourceId },
      progress: 0,
      steps: plan.steps.map((step) => ({
        name: step.name,
        status: StepStatus.Pending,
        startedAt: null,
        completedAt: null,
      })),
      providerRef: null,
      providerStatus: null,
      error: null,
      result: null,
      createdAt,
      updatedAt: createdAt,
      completedAt: null,
      deadlineAt: new Date(deadlineAtMs).toISOString(),
      actor: { keyName: params.actor },
      cancelRequestedAt: null,
    };
    const internal: TaskInternal = {
      request,
      ...(secrets.length ? { secrets } : {}),
      stepIndex: 0,
      stepState: {},
      polls: 0,
      stepStartedAt: null,
      stepInFlight: false,
      failures: 0,
      deadlineAtMs,
      nativeId: params.target,
      lockedResourceId: params.resourceId,
      requestId: params.requestId,
      ...(params.fromState ? { fromState: params.fromState } : {}),
      // The request's trace, when tracing is on: the task's steps join it (docs/design.md#tracing).
      ...(traceparent ? { traceparent } : {}),
    };
    const accepted = await this.store.accept({
      task,
      internal,
      lockResourceId: params.resourceId,
      idempotency: params.idempotency,
    });
    if (accepted.kind === 'replay')
      return {
        task: await this.resolveReplay(task.provider, accepted.taskId, accepted.sameRequest),
        replayed: true,
      };
    if (accepted.kind === 'locked') {
      // Retryable: the same request succeeds once that task has ended (`allowedActions` says `busy` meanwhile).
      throw new ConflictError(`The resource is busy with task ${accepted.taskId}; retry when it has ended.`, {
        retryable: true,
        extensions: { reason: RefusalReason.Busy, activeTaskId: accepted.taskId },
      });
    }
    try {
      await this.queue.enqueue(task.provider, task.id);
    } catch (error) {
      // The task is stored and open: the sweeper enqueues it once the queue is reachable again.
      this.logger.warn(`task ${task.id} stored but not enqueued: ${String(error)}`);
    }
    await this.events.publish('task.created', task).catch(() => undefined);
    return { task, replayed: false };
  }

  private async resolveReplay(connection: string, taskId: string, sameRequest: boolean): Promise<Task> {
    if (!sameRequest) {
      throw new IdempotencyMismatchError(
        'This Idempotency-Key was used with a different request; use a new key for a new request.',
      );
    }
    const task = await this.store.get(connection, taskId);
    if (!task)
      throw new ConflictError(`The task ${taskId} of this Idempotency-Key is no longer kept; use a new key.`);
    // The client replays because the first answer did not reach it: that call may have died between storing the
    // task and adding its job. Add it now rather than at the next sweep (job id = task id: never a second job).
    if (task.status === TaskStatus.Queued)
      await this.queue
        .enqueue(connection, task.id)
        .catch((error: unknown) =>
          this.logger.warn(`task ${task.id} replayed, not enqueued: ${String(error)}`),
        );
    return task;
  }
}
