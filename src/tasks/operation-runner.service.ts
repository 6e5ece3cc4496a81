import { asRedisUnavailable } from '../common/errors/redis-unavailable';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { GatewayError, NeedsAttentionError, NotFoundError } from '../common/errors/gateway-error';
import { problemFromGatewayError } from '../common/errors/problem.mapper';
import { MetricsService } from '../common/metrics/metrics.service';
import { inStepSpan } from '../common/tracing/spans';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { AnyResource } from '../domain/resource';
import { ResourceType } from '../domain/states';
import { withCallSignal } from '../providers/kit/http/call-scope';
import { PORT_OF_TYPE } from '../providers/registry/capabilities';
import {
  lastChangingStep,
  mayChangeBackend,
  type OperationPlan,
  type OperationStep,
  type StepContext,
  type StepOutcome,
} from '../providers/ports/operation-plan';
import {
  CREATE_OPERATIONS,
  DELETE_OPERATIONS,
  OPERATION_RESOURCE,
  type OperationName,
} from '../providers/ports/operations';
import type { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { GatewayReads } from './gateway-reads';
import { HistoryLog } from './history-log.service';
import { isLabeledType, LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';
import { TaskEvents } from './task-events.service';
import { TaskStore, type SaveResult } from './task-store.service';
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

/** How a resource type reads in a sentence of a problem document. */
const TYPE_WORDS: Record<string, string> = {
  server: 'server',
  volume: 'volume',
  network: 'network',
  ip: 'IP address',
  sshKey: 'SSH key',
};

/** The operation that removes a resource of a create's type (`server.delete`, `ip.release`...). */
function deleteOperationOf(create: OperationName): OperationName | undefined {
  const type = OPERATION_RESOURCE[create];
  return [...DELETE_OPERATIONS].find((operation) => OPERATION_RESOURCE[operation] === type);
}

/**
 * The steps one run works through: the operation's plan, or, for a canceled create, the delete plan that undoes
 * it (docs/design.md#cancel). `offset` is where its steps start in the task's `steps`.
 */
interface Phase {
  plan: OperationPlan<AnyResource>;
  offset: number;
  deadlineAtMs: number;
  undo: boolean;
}

/** What a step run raced against its task's deadline yields when the deadline came first. */
const ABANDONED = Symbol('abandoned');

/** What the runner tells the queue: run again after `delayMs`, or stop (the task ended or is gone). */
export type RunResult = { delayMs: number } | null;

/**
 * Advances one task: rebuilds its plan from the stored request, runs the current step, persists what it
 * learned and decides what comes next. Safe to run in any worker process after any crash, because everything
 * it needs is in the task record.
 *
 * A cancel (docs/design.md#cancel) is honoured at a step boundary only: before a step starts, or between two
 * polls of a waiting one; never inside a run, and never while a non-idempotent call's fate is unknown.
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
    @Optional() @Inject(GATEWAY_CONFIG) private readonly config?: GatewayConfig,
  ) {}

  /** Runs a task of one connection (its job's queue says which) up to its next wait or its end. */
  async run(connection: string, taskId: string): Promise<RunResult> {
    const loaded = await this.store.getWithInternal(connection, taskId);
    if (!loaded) return null;
    const { task, internal } = loaded;
    let cancelAt = loaded.cancelRequestedAt;
    let committed = loaded.committed;
    if (TERMINAL_STATUSES.has(task.status)) {
      await this.store.forgetOpen(connection, task.id);
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
    let phase: Phase;
    try {
      plan = adapter.plan(internal.request);
      phase = internal.undo
        ? {
            plan: adapter.plan(this.undoRequest(internal)),
            offset: internal.undo.offset,
            deadlineAtMs: internal.undo.deadlineAtMs,
            undo: true,
          }
        : { plan, offset: 0, deadlineAtMs: internal.deadlineAtMs, undo: false };
    } catch (error) {
      await this.fail(task, internal, null, this.asGatewayError(error, task));
      return null;
    }
    if (task.status === TaskStatus.Queued) {
      // Saved before the first step acts: a task whose backend call hangs reads as running, not queued (its
      // event follows with the first step's outcome, as before). A compare-and-set against the API's cancel of a
      // queued task: exactly one of the two wins.
      task.status = TaskStatus.Running;
      const started = await this.store.save(this.touch(task), internal, loaded.publicJson);
      if (started.outcome === 'ended') return null;
      if (started.outcome === 'changed') return { delayMs: 0 };
      cancelAt = started.cancelRequestedAt;
    }
    const creates = CREATE_OPERATIONS.has(internal.request.operation);
    const lastChange = creates ? -1 : lastChangingStep(plan.steps);

    let fresh: AnyResource | undefined;
    for (let taken = 0; taken < MAX_STEPS_PER_RUN; taken++) {
      // A step boundary. A non-idempotent call whose fate is unknown runs its resumed look first.
      if (cancelAt && this.cancelable(phase, internal, creates))
        return this.onCancel(adapter, plan, task, internal, cancelAt);
      if (Date.now() > phase.deadlineAtMs) {
        await this.onDeadline(adapter, phase, task, internal);
        return null;
      }
      const index = internal.stepIndex - phase.offset;
      if (index >= phase.plan.steps.length) {
        if (phase.undo) {
          await this.undone(adapter, plan, task, internal);
          return null;
        }
        const ended = await this.succeed(adapter, task, internal, fresh);
        if (ended.outcome !== 'canceled') return null;
        // The cancel came before the end: undo what was made instead (a create is never committed).
        cancelAt = ended.cancelRequestedAt;
        continue;
      }
      const step = phase.plan.steps[index];
      const view = task.steps[internal.stepIndex];
      if (!phase.undo && !committed && lastChange >= 0 && index >= lastChange) {
        // Past this point nothing is left that a cancel could stop or undo: from now on it is refused (409).
        const commit = await this.store.commit(task.provider, task.id);
        if (commit === 'ended') return null;
        if (commit !== 'committed')
          return this.onCancel(adapter, plan, task, internal, commit.cancelRequestedAt);
        committed = true;
      }
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
        const saved = await this.store.save(this.touch(task), internal);
        if (saved.outcome === 'ended') return null;
      }
      let outcome: StepOutcome<AnyResource>;
      try {
        // A span per step run, in the trace of the request that made the task (docs/design.md#tracing).
        const ran = await inStepSpan(
          () => ({
            taskId: task.id,
            step: view.name,
            operation: task.operation,
            connection: task.provider,
            providerKind: task.providerKind,
            traceparent: internal.traceparent,
          }),
          () => this.runWithinDeadline(step, this.context(task, internal, resumed), phase.deadlineAtMs),
          (result) => (result === ABANDONED ? 'abandoned' : result.status),
        );
        if (ran === ABANDONED) {
          this.metrics.stepRuns.inc({
            provider: task.provider,
            operation: task.operation,
            outcome: 'abandoned',
          });
          this.logger.warn(
            `task ${task.id} step '${view.name}' was still running at the deadline: abandoned`,
          );
          await this.onDeadline(adapter, phase, task, internal, undefined, view.name);
          return null;
        }
        outcome = ran;
      } catch (error) {
        this.metrics.stepRuns.inc({ provider: task.provider, operation: task.operation, outcome: 'error' });
        return this.onStepError(adapter, plan, phase, task, internal, error, seen, cancelAt);
      }
      this.metrics.stepRuns.inc({
        provider: task.provider,
        operation: task.operation,
        outcome: outcome.status,
      });
      internal.stepInFlight = false;
      internal.failures = 0;
      this.observe(task, internal, outcome, index, phase.plan.steps.length, adapter, phase.undo);
      if (outcome.status === 'wait') {
        internal.polls++;
        const saved = await this.persist(task, internal, seen);
        if (saved.outcome === 'ended') return null;
        cancelAt ??= saved.cancelRequestedAt;
        // A cancel applies between two polls: run again now rather than after the poll's delay.
        return { delayMs: cancelAt && this.cancelable(phase, internal, creates) ? 0 : outcome.delayMs };
      }
      fresh = outcome.resource ?? fresh;
      view.status = StepStatus.Succeeded;
      view.completedAt = new Date().toISOString();
      internal.stepIndex++;
      internal.polls = 0;
      internal.stepStartedAt = null;
      // Saved before the next step acts: a worker dying after that step changed the backend must not resume at
      // this one (a DCImanager delete resumed at wait-wiped after release had given the server back).
      if (index + 1 < phase.plan.steps.length) {
        const saved = await this.store.save(this.touch(task), internal);
        if (saved.outcome === 'ended') return null;
        cancelAt ??= saved.cancelRequestedAt;
      }
    }
    const saved = await this.persist(task, internal, seen);
    return saved.outcome === 'ended' ? null : { delayMs: 0 };
  }

  /**
   * Whether a recorded cancel may apply at this step boundary (docs/design.md#cancel): not during an undo (it is
   * the cancel), not while a non-idempotent call's fate is unknown, and not during a create's wait for the id of
   * what a step already asked the backend to make (the undo needs that id: CloudMC tells it when its task ends).
   */
  private cancelable(phase: Phase, internal: TaskInternal, creates: boolean): boolean {
    if (phase.undo || internal.stepInFlight) return false;
    if (!creates || internal.nativeId) return true;
    const steps = phase.plan.steps;
    const index = internal.stepIndex;
    if (index >= steps.length || mayChangeBackend(steps[index])) return true;
    return !steps.slice(0, index).some(mayChangeBackend);
  }

  /** The job behind a task failed for good (unexpected errors exhausted its attempts): fail the task. */
  async abandon(connection: string, taskId: string, reason: string): Promise<void> {
    const loaded = await this.store.getWithInternal(connection, taskId);
    if (!loaded || TERMINAL_STATUSES.has(loaded.task.status)) return;
    this.logger.error(`task ${taskId} abandoned: ${reason}`);
    await this.fail(loaded.task, loaded.internal, null, new UnexpectedStepError());
  }

  /**
   * Runs a step against what is left of its phase's deadline. When the deadline comes first the step is
   * abandoned: its upstream calls in flight are aborted (sockets closed, bulkhead slots freed) and any it would
   * still make fail before they are sent, so the worker slot and the resource lock are freed now, not whenever
   * a hanging backend lets go.
   */
  private async runWithinDeadline(
    step: OperationStep<AnyResource>,
    ctx: StepContext,
    deadlineAtMs: number,
  ): Promise<StepOutcome<AnyResource> | typeof ABANDONED> {
    const abandon = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof ABANDONED>((resolve) => {
      timer = setTimeout(() => resolve(ABANDONED), Math.max(0, deadlineAtMs - Date.now()));
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

  private context(
    task: Task,
    internal: TaskInternal,
    resumed: boolean,
    state: Record<string, unknown> = internal.stepState,
  ): StepContext {
    return {
      taskId: task.id,
      nativeId: internal.nativeId,
      state,
      polls: internal.polls,
      stepStartedAt: internal.stepStartedAt ?? Date.now(),
      resumed,
    };
  }

  private observe(
    task: Task,
    internal: TaskInternal,
    outcome: StepOutcome,
    index: number,
    stepCount: number,
    connection: Connection,
    undo: boolean,
  ): void {
    // An undo deletes the resource the create made: its id stays the one the task names.
    if (!undo && outcome.nativeId && outcome.nativeId !== internal.nativeId) {
      internal.nativeId = outcome.nativeId;
      task.resource.id = connection.normalizer.id(outcome.nativeId);
    }
    if (outcome.providerStatus !== undefined) task.providerStatus = outcome.providerStatus;
    if (outcome.providerRef) task.providerRef = outcome.providerRef;
    const within = outcome.status === 'done' ? 100 : Math.min(99, Math.max(0, outcome.progress ?? 0));
    task.progress = Math.min(99, Math.round(((index + within / 100) / stepCount) * 100));
  }

  private async onStepError(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    phase: Phase,
    task: Task,
    internal: TaskInternal,
    error: unknown,
    seen: string,
    cancelAt: string | null,
  ): Promise<RunResult> {
    const problem = this.asGatewayError(error, task);
    if (!problem.retryable) {
      if (phase.undo) await this.undoFailed(adapter, plan, task, internal, problem.message);
      // Asked to stop anyway: a canceled create still undoes what it made rather than leave it failed.
      else if (cancelAt) return this.onCancel(adapter, plan, task, internal, cancelAt);
      else await this.fail(task, internal, plan, problem);
      return null;
    }
    internal.failures++;
    const backoff =
      Math.min(MAX_FAILURE_BACKOFF_MS, 1000 * 2 ** Math.min(internal.failures, 10)) *
      (0.8 + 0.4 * Math.random());
    let delayMs = Math.max(
      problem.retryAfter !== undefined ? problem.retryAfter * 1000 : 0,
      Math.round(backoff),
    );
    this.logger.warn(
      `task ${task.id} step '${task.steps[internal.stepIndex]?.name}' failed (${problem.code}), retrying in ${delayMs} ms: ${problem.message}`,
    );
    if (Date.now() + delayMs > phase.deadlineAtMs) {
      await this.onDeadline(adapter, phase, task, internal, problem);
      return null;
    }
    const saved = await this.persist(task, internal, seen);
    if (saved.outcome === 'ended') return null;
    // A recorded cancel applies at once, unless the failed call's fate is unknown (its resumed look comes first).
    const creates = CREATE_OPERATIONS.has(internal.request.operation);
    if ((cancelAt ?? saved.cancelRequestedAt) && this.cancelable(phase, internal, creates)) delayMs = 0;
    return { delayMs };
  }

  private async onDeadline(
    adapter: Connection,
    phase: Phase,
    task: Task,
    internal: TaskInternal,
    last?: GatewayError,
    abandonedStep?: string,
  ): Promise<void> {
    const { plan } = phase;
    // An effect the backend's state cannot show is not done until the call that makes it was answered.
    const effectPending = plan.effectStep !== undefined && !this.completed(phase, internal, plan.effectStep);
    if (plan.reconcile && !effectPending) {
      try {
        if (await plan.reconcile(this.context(task, internal, true))) {
          if (phase.undo) await this.undone(adapter, adapter.plan(internal.request), task, internal);
          else await this.succeed(adapter, task, internal, undefined);
          return;
        }
      } catch (error) {
        this.logger.warn(`task ${task.id} reconciliation failed: ${String(error)}`);
      }
    }
    if (phase.undo) {
      const seconds = Math.round(
        (phase.deadlineAtMs - Date.parse(task.cancelRequestedAt ?? task.createdAt)) / 1000,
      );
      const why = last ? `${last.message}; ` : '';
      await this.undoFailed(
        adapter,
        adapter.plan(internal.request),
        task,
        internal,
        `${why}it was not gone within ${seconds} s`,
      );
      return;
    }
    const seconds = Math.round((internal.deadlineAtMs - Date.parse(task.createdAt)) / 1000);
    const timeout = new DeadlineError(seconds, abandonedStep);
    if (last) Object.assign(timeout, { upstream: last.upstream, provider: last.provider });
    await this.fail(task, internal, plan, timeout);
  }

  /** Whether the step of that name has completed (a name the plan does not have never has). */
  private completed(phase: Phase, internal: TaskInternal, name: string): boolean {
    const index = phase.plan.steps.findIndex((step) => step.name === name);
    return index >= 0 && index < internal.stepIndex - phase.offset;
  }

  /**
   * Ends the task `succeeded`, unless a cancel was recorded before (the finish checks it atomically): then the
   * task is left as it was and the answer says so, with the time of the cancel.
   */
  private async succeed(
    adapter: Connection,
    task: Task,
    internal: TaskInternal,
    fresh: AnyResource | undefined,
  ): Promise<
    { outcome: 'finished' | 'ended' | 'changed' } | { outcome: 'canceled'; cancelRequestedAt: string }
  > {
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
    // Built on a copy: a finish refused for a cancel leaves the task as it was, for the cancel to go on from.
    const done = structuredClone(task);
    for (const step of done.steps) {
      step.status = StepStatus.Succeeded;
      step.startedAt ??= now;
      step.completedAt ??= now;
    }
    done.status = TaskStatus.Succeeded;
    done.progress = 100;
    done.result = result;
    done.completedAt = now;
    return this.finish(done, internal, 'task.succeeded', 'succeed');
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

  /**
   * A cancel reached a step boundary (docs/design.md#cancel). A create whose resource exists goes on with the
   * undo phase; anything else cleans up (`onFailure`) and ends `canceled`, its remaining steps `skipped`.
   */
  private async onCancel(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    task: Task,
    internal: TaskInternal,
    cancelAt: string,
  ): Promise<RunResult> {
    task.cancelRequestedAt = cancelAt;
    this.skipRemaining(task, internal.stepIndex);
    const operation = internal.request.operation;
    if (CREATE_OPERATIONS.has(operation) && internal.nativeId)
      return this.beginUndo(adapter, plan, task, internal);
    await this.cleanUp(task, internal, plan, internal.stepState);
    if (internal.nativeId) await this.forgetCached(task, internal);
    await this.endCanceled(task, internal, null);
    return null;
  }

  /**
   * Starts undoing a canceled create: the connection's own delete plan of the resource, its steps appended as
   * `undo-…`, run by the same machinery (persisted, resumable) against a deadline of its own.
   */
  private async beginUndo(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    task: Task,
    internal: TaskInternal,
  ): Promise<RunResult> {
    const remove = deleteOperationOf(internal.request.operation);
    if (!remove || !adapter.can(remove)) {
      await this.cleanUp(task, internal, plan, internal.stepState);
      await this.forgetCached(task, internal);
      await this.endCanceled(task, internal, this.remains(task, 'this connection cannot delete it'));
      return null;
    }
    let undo: OperationPlan<AnyResource>;
    try {
      undo = adapter.plan({ operation: remove, target: internal.nativeId, input: {}, taskId: task.id });
    } catch (error) {
      await this.cleanUp(task, internal, plan, internal.stepState);
      await this.forgetCached(task, internal);
      await this.endCanceled(task, internal, this.remains(task, this.asGatewayError(error, task).message));
      return null;
    }
    const offset = task.steps.length;
    task.steps.push(
      ...undo.steps.map((step) => ({
        name: `undo-${step.name}`,
        status: StepStatus.Pending,
        startedAt: null,
        completedAt: null,
      })),
    );
    const seconds =
      adapter.settings.deadlines?.[remove] ??
      undo.deadlineSeconds ??
      this.config?.tasks.defaultDeadlineSeconds ??
      1_800;
    internal.undo = { offset, deadlineAtMs: Date.now() + seconds * 1000, createState: internal.stepState };
    internal.stepIndex = offset;
    internal.stepState = {};
    internal.polls = 0;
    internal.stepStartedAt = null;
    internal.stepInFlight = false;
    internal.failures = 0;
    this.logger.log(`task ${task.id} canceled after its ${task.resource.type} was made: undoing it`);
    const saved = await this.store.save(this.touch(task), internal);
    if (saved.outcome === 'ended') return null;
    await this.events.publish('task.updated', task);
    return { delayMs: 0 };
  }

  /** The undo phase deleted what the create made: clean up what is left of the create, end `canceled`. */
  private async undone(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    task: Task,
    internal: TaskInternal,
  ): Promise<void> {
    const now = new Date().toISOString();
    for (const step of task.steps.slice(internal.undo?.offset ?? 0)) {
      if (step.status === StepStatus.Skipped) continue;
      step.status = StepStatus.Succeeded;
      step.startedAt ??= now;
      step.completedAt ??= now;
    }
    // A finish refused for the cancel may have kept the create's labels or public key: the resource is gone.
    if (internal.nativeId) {
      const type = OPERATION_RESOURCE[internal.request.operation];
      if (isLabeledType(type)) await this.labels.drop(adapter.name, type, internal.nativeId);
      if (type === ResourceType.SshKey) await this.publicKeys.forget(adapter.name, internal.nativeId);
    }
    await this.cleanUp(task, internal, plan, internal.undo?.createState ?? {});
    await this.forgetCached(task, internal);
    await this.endCanceled(task, internal, null);
  }

  /** The undo phase failed for good: the resource remains, and the task says so (`needs_attention`). */
  private async undoFailed(
    adapter: Connection,
    plan: OperationPlan<AnyResource>,
    task: Task,
    internal: TaskInternal,
    reason: string,
  ): Promise<void> {
    const now = new Date().toISOString();
    this.failCurrentStep(task, internal, now);
    this.skipRemaining(task, internal.stepIndex + 1);
    this.logger.warn(`task ${task.id}: undoing its ${task.resource.type} on ${adapter.name} failed`);
    await this.cleanUp(task, internal, plan, internal.undo?.createState ?? {});
    await this.forgetCached(task, internal);
    await this.endCanceled(task, internal, this.remains(task, `deleting it failed: ${reason}`));
  }

  /** The problem of a canceled create whose resource could not be undone, naming it and why. */
  private remains(task: Task, why: string): NeedsAttentionError {
    const what = TYPE_WORDS[task.resource.type] ?? task.resource.type;
    const reason = why.replace(/\.$/, '');
    return new NeedsAttentionError(
      `The ${what} ${task.resource.id} made before the cancel remains: ${reason}.`,
    );
  }

  /** Marks the step at `from` (if it had started) and every later one not run `skipped`. */
  private skipRemaining(task: Task, from: number): void {
    const now = new Date().toISOString();
    for (const step of task.steps.slice(from)) {
      if (step.status === StepStatus.Succeeded || step.status === StepStatus.Failed) continue;
      if (step.status === StepStatus.Running) step.completedAt = now;
      step.status = StepStatus.Skipped;
    }
  }

  /** The operation's best-effort clean-up (e.g. a drive cloned for a server that was never made). */
  private async cleanUp(
    task: Task,
    internal: TaskInternal,
    plan: OperationPlan<AnyResource> | null,
    state: Record<string, unknown>,
  ): Promise<void> {
    if (!plan?.onFailure) return;
    await plan
      .onFailure(this.context(task, internal, true, state))
      .catch((cleanup: unknown) =>
        this.logger.warn(`task ${task.id} clean-up after it ended failed: ${String(cleanup)}`),
      );
  }

  /** The backend may have changed part way: nothing cached about this connection counts as fresh any more. */
  private async forgetCached(task: Task, internal: TaskInternal): Promise<void> {
    if (!internal.nativeId) return;
    await this.cache
      .taskEnded(task.provider, OPERATION_RESOURCE[internal.request.operation], internal.nativeId, null)
      .catch(() => undefined);
  }

  private async endCanceled(task: Task, internal: TaskInternal, error: GatewayError | null): Promise<void> {
    task.status = TaskStatus.Canceled;
    task.completedAt = new Date().toISOString();
    task.error = error
      ? problemFromGatewayError(error.withProvider(task.provider), {
          requestId: internal.requestId,
          instance: `/v1/tasks/${task.id}`,
        })
      : null;
    if (error) this.logger.warn(`task ${task.id} (${task.operation}) canceled: ${error.message}`);
    await this.finish(task, internal, 'task.canceled');
  }

  /** The step that was running when the task could not go on is `failed`. */
  private failCurrentStep(task: Task, internal: TaskInternal, now: string): void {
    const current = task.steps[internal.stepIndex];
    if (current && current.status !== StepStatus.Succeeded) {
      current.status = StepStatus.Failed;
      current.startedAt ??= now;
      current.completedAt = now;
    }
  }

  private async fail(
    task: Task,
    internal: TaskInternal,
    plan: OperationPlan<AnyResource> | null,
    error: GatewayError,
  ): Promise<void> {
    const now = new Date().toISOString();
    this.failCurrentStep(task, internal, now);
    task.status = TaskStatus.Failed;
    task.error = problemFromGatewayError(error.withProvider(task.provider), {
      requestId: internal.requestId,
      instance: `/v1/tasks/${task.id}`,
    });
    task.completedAt = now;
    this.logger.warn(`task ${task.id} (${task.operation}) failed: ${error.code}: ${error.message}`);
    await this.cleanUp(task, internal, plan, internal.stepState);
    await this.forgetCached(task, internal);
    await this.finish(task, internal, 'task.failed');
  }

  /**
   * Ends the task once (a compare-and-set in the store): its event, history entry and metrics follow only when
   * this call ended it. In mode `succeed` a recorded cancel refuses the end.
   */
  private async finish(
    task: Task,
    internal: TaskInternal,
    type: 'task.succeeded' | 'task.failed' | 'task.canceled',
    mode?: 'succeed',
  ): Promise<Awaited<ReturnType<TaskStore['finish']>>> {
    this.touch(task);
    // The terminal event is written by the same script that ends the task (TaskStore.finish).
    const ended = await this.store.finish(task, internal, { mode, event: type });
    if (ended.outcome !== 'finished') return ended;
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
    return ended;
  }

  /** Saves the task; publishes an event only when something a client can see has changed. */
  private async persist(task: Task, internal: TaskInternal, seen: string): Promise<SaveResult> {
    this.touch(task);
    const saved = await this.store.save(task, internal);
    if (saved.outcome === 'saved' && this.visible(task) !== seen)
      await this.events.publish('task.updated', task);
    return saved;
  }

  /** The request of a canceled create's undo: the connection's delete of the resource it made. */
  private undoRequest(internal: TaskInternal) {
    return {
      operation: deleteOperationOf(internal.request.operation)!,
      target: internal.nativeId,
      input: {},
      taskId: internal.request.taskId,
    };
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
