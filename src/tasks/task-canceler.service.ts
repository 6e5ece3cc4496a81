import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/errors/gateway-error';
import { MetricsService } from '../common/metrics/metrics.service';
import { HistoryLog } from './history-log.service';
import { TaskQueue } from './task-queue.service';
import { TaskStore, type CancelRequest } from './task-store.service';
import { StepStatus, Task, TaskStatus } from './task.dto';

/** How many times a cancel is tried again when a worker started the queued task under it. */
const MAX_TRIES = 3;
/**
 * When to try again to run a canceled task's job now, if a worker held it at the first try: it may have saved
 * its step before the cancel was recorded, and then put the job back to wait for its next poll.
 */
const WAKE_RETRIES_MS = [500, 2_000];

/**
 * `POST /v1/tasks/{id}/cancel` (docs/design.md#cancel). A queued task ends `canceled` here, at once; a running
 * one gets the cancel recorded and its job woken, and its worker ends it at the next step boundary.
 */
@Injectable()
export class TaskCanceler {
  private readonly logger = new Logger(TaskCanceler.name);

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueue,
    private readonly history: HistoryLog,
    private readonly metrics: MetricsService,
  ) {}

  /** The task after the cancel: ended (it was queued) or still running with `cancelRequestedAt` set. */
  async cancel(connection: string, taskId: string): Promise<Task> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const now = new Date().toISOString();
      const request = await this.store.requestCancel(connection, taskId, now);
      switch (request.kind) {
        case 'missing':
          throw new NotFoundError(`No task '${taskId}'.`);
        case 'ended':
          throw new ConflictError('The task has ended: there is nothing left to cancel.');
        case 'committed':
          throw new ConflictError(
            'The task is past its last backend call: nothing is left that a cancel could stop or undo.',
          );
        case 'already':
          return request.task;
        case 'recorded':
          await this.wake(connection, taskId);
          return request.task;
        case 'queued': {
          const ended = await this.endQueued(request, now);
          if (ended) return ended;
          // A worker started it meanwhile: the next try records the cancel for that worker.
        }
      }
    }
    throw new ConflictError('The task changed while it was being canceled; retry.', { retryable: true });
  }

  /**
   * Ends a queued task `canceled`, all its steps `skipped`, if no worker has started it (a compare-and-set on
   * its stored record). Null when one has.
   */
  private async endQueued(
    request: Extract<CancelRequest, { kind: 'queued' }>,
    now: string,
  ): Promise<Task | null> {
    const { internal } = request;
    const task: Task = {
      ...request.task,
      status: TaskStatus.Canceled,
      steps: request.task.steps.map((step) => ({ ...step, status: StepStatus.Skipped })),
      error: null,
      updatedAt: now,
      completedAt: now,
      cancelRequestedAt: now,
    };
    const ended = await this.store.finish(task, internal, {
      mode: 'expect',
      expectPublic: request.publicJson,
      event: 'task.canceled',
    });
    if (ended.outcome === 'changed') return null;
    if (ended.outcome !== 'finished')
      throw new ConflictError('The task has ended: there is nothing left to cancel.');
    await this.history.taskEnded(task, internal);
    this.metrics.tasksFinished.inc({
      provider: task.provider,
      operation: task.operation,
      status: task.status,
      code: '',
    });
    // A worker that takes the job anyway finds the task ended and stops.
    await this.queue
      .remove(task.provider, task.id)
      .catch((error: unknown) => this.logger.debug(`task ${task.id}: its job stays: ${String(error)}`));
    return task;
  }

  /** Runs the task's job now, so its worker meets the cancel without waiting out a poll's delay. */
  private async wake(connection: string, taskId: string): Promise<void> {
    if (await this.promote(connection, taskId)) return;
    void (async () => {
      for (const delay of WAKE_RETRIES_MS) {
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        if (await this.promote(connection, taskId)) return;
      }
    })();
  }

  private promote(connection: string, taskId: string): Promise<boolean> {
    return this.queue.promote(connection, taskId).catch(() => false);
  }
}
