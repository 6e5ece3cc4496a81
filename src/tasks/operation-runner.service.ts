import { asRedisUnavailable } from '../common/errors/redis-unavailable';
import { Injectable, Logger } from '@nestjs/common';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { GatewayError, NotFoundError } from '../common/errors/gateway-error';
import { problemFromGatewayError } from '../common/errors/problem.mapper';
import { MetricsService } from '../common/metrics/metrics.service';
import type { AnyResource } from '../domain/resource';
import { withCallSignal } from '../providers/kit/http/call-scope';
import { PORT_OF_TYPE } from '../providers/registry/capabilities';
import type {
  OperationPlan,
  OperationStep,
  StepContext,
  StepOutcome,
} from '../providers/ports/operation-plan';
import { CREATE_OPERATIONS, DELETE_OPERATIONS, OPERATION_RESOURCE } from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { GatewayReads } from './gateway-reads';
import { HistoryLog } from './history-log.service';
import { isLabeledType, LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';
import { TaskEvents } from './task-events.service';
import { TaskStore } from './task-store.service';
import { StepStatus, TERMINAL_STATUSES, Task, TaskStatus } from './task.dto';
import type { TaskInternal } from './task-record';

/** Most steps one job run may take back to back before handing the worker to another task. */
const MAX_STEPS_PER_RUN = 8;
const MAX_FAILURE_BACKOFF_MS = 60_000;

class UnexpectedStepError extends GatewayError {
  constructor() {
    super('internal', 'The operation failed inside the gateway. Quote the task id when reporting it.');
  }
}

class DeadlineError extends GatewayError {
  constructor(seconds: number, abandonedStep?: string) {
    super(
      'timeout',
      abandonedStep
        ? `The operation did not finish within its ${seconds} s deadline: step '${abandonedStep}' was still waiting for the backend, and the backend state could not confirm it.`
        : `The operation did not finish within its ${seconds} s deadline; the backend state could not confirm it.`,
    );
  }
}

/** What a step run raced against its task's deadline yields when the deadline came first. */
const ABANDONED = Symbol('abandoned');

/** What the runner tells the queue: run again after `delayMs`, or stop (the task ended or is gone). */
export type RunResult = { delayMs: number } | null;

/**
 * Advances one task: rebuilds its plan from the stored request, runs the current step, persists what it
 * learned and decides what comes next. Safe to run in any worker process after any crash, because everything
 * it needs is in the task record.
 */
@Injectable()
export class OperationRunner {
  private readonly logger = new Logger(OperationRunner.name);

  constructor(
    private readonly store: TaskStore,
    private readonly registry: ProviderRegistry,
    private readonly events: TaskEvents,
    private readonly cache: SnapshotCache,
    private readonly metrics: MetricsService,
    private readonly labels: LabelStore,
    private readonly publicKeys: PublicKeyStore,
    private readonly reads: GatewayReads,
    private readonly history: HistoryLog,
  ) {}

  async run(taskId: string): Promise<RunResult> {
    const loaded = await this.store.getWithInternal(taskId);
    if (!loaded) return null;
    const { task, internal } = loaded;
    if (TERMINAL_STATUSES.has(task.status)) {
      await this.store.forgetOpen(task.id);
      return null;
    }
    const seen = this.visible(task);
    const adapter = this.registry.get(task.provider);
    if (!adapter) {
      await this.fail(
        task,
        internal,
        null,
        new NotFoundError(`Provider connection '${task.provider}' is no longer configured.`),
      );
      return null;
    }
    let plan: OperationPlan<AnyResource>;
    try {
      plan = adapter.plan(internal.request);
    } catch (error) {
      await this.fail(task, internal, null, this.asGatewayError(error, task));
      return null;
    }
    if (task.status === TaskStatus.Queued) {
      // Saved before the first step acts: a task whose backend call hangs reads as running, not queued (its
      // event follows with the first step's outcome, as before).
      task.status = TaskStatus.Running;
      await this.store.save(this.touch(task), internal);
    }

    let fresh: AnyResource | undefined;
    for (let taken = 0; taken < MAX_STEPS_PER_RUN; taken++) {
      if (Date.now() > internal.deadlineAtMs) {
        await this.onDeadline(adapter, plan, task, internal);
        return null;
      }
      if (internal.stepIndex >= plan.steps.length) {
        await this.succeed(adapter, task, internal, fresh);
        return null;
      }
      const step = plan.steps[internal.stepIndex];
      const view = task.steps[internal.stepIndex];
      if (view.status === StepStatus.Pending) {
        view.status = StepStatus.Running;
        view.startedAt = new Date().toISOString();
        internal.stepStartedAt = Date.now();
        internal.polls = 0;
      }
      const resumed = internal.stepInFlight;
      if (step.idempotent === false && !resumed) {
        // Recorded before the call: if this process dies mid-call, the next run knows to look first.
        internal.stepInFlight = true;
        await this.store.save(this.touch(task), internal);
      }
      let outcome: StepOutcome<AnyResource>;
      try {
        const ran = await this.runWithinDeadline(step, this.context(task, internal, resumed), internal);
        if (ran === ABANDONED) {
          this.metrics.stepRuns.inc({
            provider: task.provider,
            operation: task.operation,
            outcome: 'abandoned',
          });
          this.logger.warn(
            `task ${task.id} step '${step.name}' was still running at the deadline: abandoned`,
          );
          await this.onDeadline(adapter, plan, task, internal, undefined, step.name);
          return null;
        }
        outcome = ran;
      } catch (error) {
        this.metrics.stepRuns.inc({ provider: task.provider, operation: task.operation, outcome: 'error' });
        return this.onStepError(adapter, plan, task, internal, error, seen);
      }
      this.metrics.stepRuns.inc({
        provider: task.provider,
        operation: task.operation,
        outcome: outcome.status,
      });
      internal.stepInFlight = false;
      internal.failures = 0;
      this.observe(task, internal, outcome, plan.steps.length, adapter);
      if (outcome.status === 'wait') {
        internal.polls++;
        await this.persist(task, internal, seen);
        return { delayMs: outcome.delayMs };
      }
      fresh = outcome.resource ?? fresh;
      view.status = StepStatus.Succeeded;
      view.completedAt = new Date().toISOString();
      internal.stepIndex++;
      internal.polls = 0;
      internal.stepStartedAt = null;
      // Saved before the next step acts: a worker dying after that step changed the backend must not resume at
      // this one (a DCImanager delete resumed at wait-wiped after release had given the server back).
      if (internal.stepIndex < plan.steps.length) await this.store.save(this.touch(task), internal);
    }
    await this.persist(task, internal, seen);
    return { delayMs: 0 };
  }

  /** The job behind a task failed for good (unexpected errors exhausted its attempts): fail the task. */
  async abandon(taskId: string, reason: string): Promise<void> {
    const loaded = await this.store.getWithInternal(taskId);
    if (!loaded || TERMINAL_STATUSES.has(loaded.task.status)) return;
    this.logger.error(`task ${taskId} abandoned: ${reason}`);
    await this.fail(loaded.task, loaded.internal, null, new UnexpectedStepError());
  }

  /**
   * Runs a step against what is left of its task's deadline. When the deadline comes first the step is
   * abandoned: its upstream calls in flight are aborted (sockets closed, bulkhead slots freed) and any it would
   * still make fail before they are sent, so the worker slot and the resource lock are freed now, not whenever
   * a hanging backend lets go.
   */
  private async runWithinDeadline(
    step: OperationStep<AnyResource>,
    ctx: StepContext,
    internal: TaskInternal,
  ): Promise<StepOutcome<AnyResource> | typeof ABANDONED> {
    const abandon = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof ABANDONED>((resolve) => {
      timer = setTimeout(() => resolve(ABANDONED), Math.max(0, internal.deadlineAtMs - Date.now()));
      timer.unref();
    });
    const running = withCallSignal(abandon.signal, () => step.run(ctx));
    try {
      const first = await Promise.race([running, deadline]);
      if (first === ABANDONED) {
        abandon.abort();
        // It ends on its own once its calls are aborted; nobody waits for it any more.
        running.catch(() => undefined);
      }
      return first;
    } finally {
      clearTimeout(timer);
    }
  }

  private context(task: Task, internal: TaskInternal, resumed: boolean): StepContext {
    return {
      taskId: task.id,
      nativeId: internal.nativeId,
      state: internal.stepState,
      polls: internal.polls,
      stepStartedAt: internal.stepStartedAt ?? Date.now(),
      resumed,
    };
  }

  private observe(
    task: Task,
    internal: TaskInternal,
    outcome: StepOutcome,
    stepCount: number,
    connection: Connection,
  ): void {
    if (outcome.nativeId && outcome.nativeId !== internal.nativeId) {
      internal.nativeId = outcome.nativeId;
      task.resource.id = connection.normalizer.id(outcome.nativeId);
    }
    if (outcome.providerStatus !== undefined) task.providerStatus = outcome.providerStatus;
    if (outcome.providerRef) task.providerRef = outcome.providerRef;
    const within = outcome.status === 'done' ? 100 : Math.min(99, Math.max(0, outcome.progress ?? 0));
    task.progress = Math.min(99, Math.round(((internal.stepIndex + within / 100) / stepCount) * 100));
  }

  private async onStepError(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    task: Task,
    internal: TaskInternal,
    error: unknown,
    seen: string,
  ): Promise<RunResult> {
    const problem = this.asGatewayError(error, task);
    if (!problem.retryable) {
      await this.fail(task, internal, plan, problem);
      return null;
    }
    internal.failures++;
    const backoff =
      Math.min(MAX_FAILURE_BACKOFF_MS, 1000 * 2 ** Math.min(internal.failures, 10)) *
      (0.8 + 0.4 * Math.random());
    const delayMs = Math.max(
      problem.retryAfter !== undefined ? problem.retryAfter * 1000 : 0,
      Math.round(backoff),
    );
    this.logger.warn(
      `task ${task.id} step '${task.steps[internal.stepIndex]?.name}' failed (${problem.code}), retrying in ${delayMs} ms: ${problem.message}`,
    );
    if (Date.now() + delayMs > internal.deadlineAtMs) {
      await this.onDeadline(adapter, plan, task, internal, problem);
      return null;
    }
    await this.persist(task, internal, seen);
    return { delayMs };
  }

  private async onDeadline(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    task: Task,
    internal: TaskInternal,
    last?: GatewayError,
    abandonedStep?: string,
  ): Promise<void> {
    // An effect the backend's state cannot show is not done until the call that makes it was answered.
    const effectPending = plan.effectStep !== undefined && !this.completed(plan, internal, plan.effectStep);
    if (plan.reconcile && !effectPending) {
      try {
        if (await plan.reconcile(this.context(task, internal, true))) {
          await this.succeed(adapter, task, internal, undefined);
          return;
        }
      } catch (error) {
        this.logger.warn(`task ${task.id} reconciliation failed: ${String(error)}`);
      }
    }
    const seconds = Math.round((internal.deadlineAtMs - Date.parse(task.createdAt)) / 1000);
    const timeout = new DeadlineError(seconds, abandonedStep);
    if (last) Object.assign(timeout, { upstream: last.upstream, provider: last.provider });
    await this.fail(task, internal, plan, timeout);
  }

  /** Whether the step of that name has completed (a name the plan does not have never has). */
  private completed(plan: OperationPlan<AnyResource>, internal: TaskInternal, name: string): boolean {
    const index = plan.steps.findIndex((step) => step.name === name);
    return index >= 0 && index < internal.stepIndex;
  }

  private async succeed(
    adapter: Connection,
    task: Task,
    internal: TaskInternal,
    fresh: AnyResource | undefined,
  ): Promise<void> {
    const operation = internal.request.operation;
    const type = OPERATION_RESOURCE[operation];
    let result: AnyResource | null = null;
    if (internal.nativeId) await this.keepAside(adapter, internal, internal.nativeId);
    if (internal.nativeId && !DELETE_OPERATIONS.has(operation))
      result = await this.reads.completeOne(
        adapter,
        type,
        fresh ?? (await this.readFinal(adapter, task, internal.nativeId)),
      );
    if (internal.nativeId) await this.cache.taskEnded(task.provider, type, internal.nativeId, result);
    const now = new Date().toISOString();
    for (const step of task.steps) {
      step.status = StepStatus.Succeeded;
      step.startedAt ??= now;
      step.completedAt ??= now;
    }
    task.status = TaskStatus.Succeeded;
    task.progress = 100;
    task.result = result;
    task.completedAt = now;
    await this.finish(task, internal, 'task.succeeded');
  }

  /**
   * What the gateway keeps beside the backend, now that the resource's native id is known: a create's labels
   * where the backend keeps none (docs/design.md#labels; an empty set clears what a reused id may have carried),
   * the public key of an SSH key it added (docs/design.md#ssh-keys); and none of either after a delete.
   */
  private async keepAside(adapter: Connection, internal: TaskInternal, nativeId: string): Promise<void> {
    const { operation } = internal.request;
    const type = OPERATION_RESOURCE[operation];
    const input = internal.request.input as { labels?: Record<string, string>; publicKey?: string };
    if (operation === 'sshKey.create' && input.publicKey)
      await this.publicKeys.remember(adapter.name, nativeId, input.publicKey);
    else if (operation === 'sshKey.delete') await this.publicKeys.forget(adapter.name, nativeId);
    if (!isLabeledType(type)) return;
    if (DELETE_OPERATIONS.has(operation)) await this.labels.drop(adapter.name, type, nativeId);
    else if (CREATE_OPERATIONS.has(operation) && LabelStore.holds(adapter, type))
      await this.labels.set(adapter.name, type, nativeId, input.labels ?? {});
  }

  private async readFinal(adapter: Connection, task: Task, nativeId: string): Promise<AnyResource | null> {
    const port = adapter[PORT_OF_TYPE[OPERATION_RESOURCE[task.operation]]];
    try {
      return (await port?.get(nativeId)) ?? null;
    } catch (error) {
      this.logger.warn(`task ${task.id} succeeded but reading the result failed: ${String(error)}`);
      return null;
    }
  }

  private async fail(
    task: Task,
    internal: TaskInternal,
    plan: OperationPlan<AnyResource> | null,
    error: GatewayError,
  ): Promise<void> {
    const now = new Date().toISOString();
    const current = task.steps[internal.stepIndex];
    if (current && current.status !== StepStatus.Succeeded) {
      current.status = StepStatus.Failed;
      current.startedAt ??= now;
      current.completedAt = now;
    }
    task.status = TaskStatus.Failed;
    task.error = problemFromGatewayError(error.withProvider(task.provider), {
      requestId: internal.requestId,
      instance: `/v1/tasks/${task.id}`,
    });
    task.completedAt = now;
    this.logger.warn(`task ${task.id} (${task.operation}) failed: ${error.code}: ${error.message}`);
    if (plan?.onFailure) {
      await plan
        .onFailure(this.context(task, internal, true))
        .catch((cleanup: unknown) =>
          this.logger.warn(`task ${task.id} cleanup after failure failed: ${String(cleanup)}`),
        );
    }
    // The backend may have changed part way: nothing cached about this connection counts as fresh any more.
    if (internal.nativeId) {
      await this.cache
        .taskEnded(task.provider, OPERATION_RESOURCE[internal.request.operation], internal.nativeId, null)
        .catch(() => undefined);
    }
    await this.finish(task, internal, 'task.failed');
  }

  private async finish(
    task: Task,
    internal: TaskInternal,
    type: 'task.succeeded' | 'task.failed',
  ): Promise<void> {
    this.touch(task);
    await this.store.finish(task, internal);
    await this.events.publish(type, task);
    await this.history.taskEnded(task, internal);
    this.metrics.tasksFinished.inc({
      provider: task.provider,
      operation: task.operation,
      status: task.status,
      code: task.error?.code ?? '',
    });
    this.metrics.taskDuration.observe(
      { provider: task.provider, operation: task.operation, status: task.status },
      (Date.parse(task.completedAt!) - Date.parse(task.createdAt)) / 1000,
    );
  }

  /** Saves the task; publishes an event only when something a client can see has changed. */
  private async persist(task: Task, internal: TaskInternal, seen: string): Promise<void> {
    this.touch(task);
    await this.store.save(task, internal);
    if (this.visible(task) !== seen) await this.events.publish('task.updated', task);
  }

  private visible(task: Task): string {
    return JSON.stringify({ ...task, updatedAt: undefined });
  }

  private touch(task: Task): Task {
    task.updatedAt = new Date().toISOString();
    return task;
  }

  private asGatewayError(error: unknown, task: Task): GatewayError {
    if (error instanceof GatewayError) return error;
    // The gateway's Redis failing under a step (a lease, a claim) is a wait, not the task's failure.
    const redis = asRedisUnavailable(error);
    if (redis) return redis;
    this.logger.error(
      `task ${task.id} step threw an unexpected error`,
      (error as Error)?.stack ?? String(error),
    );
    return new UnexpectedStepError();
  }
}
