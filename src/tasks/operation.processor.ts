import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { bullErrorListener } from '../common/redis/redis-watch';
import { LogOncePerKind } from '../common/errors/log-once';
import { asRedisUnavailable } from '../common/errors/redis-unavailable';
import { LOGGER } from '../common/logging/logger';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { OperationQueues } from './operation-queues';
import { OperationRunner } from './operation-runner.service';
import { JOB_ATTEMPTS, OPERATION_QUEUES, OperationJobData } from './queue.constants';

/** How long a task waits before its next run when Redis could not serve the last one (full, down, slow). */
export const REDIS_RETRY_DELAY_MS = 2_000;
/**
 * How long the worker stops taking jobs after Redis refused one of its commands (e.g. full): BullMQ would try the
 * next fetch at once, and fail again, tens of thousands of times a second.
 */
export const WORKER_HOLD_ON_REDIS_MS = 1_000;

/**
 * Runs operation steps, with one BullMQ worker per connection's queue (docs/design.md#redis-topology), each with
 * `tasks.workerConcurrency` slots. A step that must wait is not awaited here: the job moves itself to the delayed
 * set and the worker takes the next job (BullMQ "process step jobs" pattern).
 *
 * A run that Redis could not serve failed for a gateway reason, not the task's: the job is delayed and run
 * again, without spending one of its attempts (attempts are for unexpected errors of the task's own logic), and
 * a job that still ended in the failed set for such a reason is sent back to the queue, never abandoned.
 */
@Injectable()
export class OperationProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly redisFailures = new LogOncePerKind();
  private readonly onWorkerError: (error: Error) => void;
  private readonly workers = new Map<string, Worker<OperationJobData>>();

  constructor(
    private readonly runner: OperationRunner,
    @Inject(OPERATION_QUEUES) private readonly queues: OperationQueues,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.onWorkerError = bullErrorListener('worker', logger);
  }

  onApplicationBootstrap(): void {
    for (const [connection, queue] of this.queues.entries()) {
      // The queue's own connection settings and prefix: the worker's keys are the queue's.
      const worker = new Worker<OperationJobData>(
        queue.name,
        (job, token) => this.process(connection, job, token),
        {
          connection: queue.opts.connection,
          prefix: queue.opts.prefix,
          autorun: false,
          maxStalledCount: 1_000,
          concurrency: this.config.tasks.workerConcurrency,
          // A lock shorter than BullMQ's 30 s default needs its renewal at half of it, or it lapses under a running
          // job and a second worker runs it too (found by the crash suite).
          stalledInterval: this.config.tasks.stalledIntervalMs,
          lockDuration: this.config.tasks.lockDurationMs,
          lockRenewTime: this.config.tasks.lockDurationMs / 2,
        },
      );
      worker.on('error', (error) => this.onError(worker, error));
      worker.on('failed', (job, error) => void this.onFailed(connection, job, error));
      void worker.run().catch((error: unknown) => this.onWorkerError(error as Error));
      this.workers.set(connection, worker);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
  }

  /** The worker of one connection (tests pause and inspect it). */
  workerOf(connection: string): Worker<OperationJobData> | undefined {
    return this.workers.get(connection);
  }

  async process(connection: string, job: Job<OperationJobData>, token?: string): Promise<void> {
    let next: Awaited<ReturnType<OperationRunner['run']>>;
    try {
      next = await this.runner.run(connection, job.data.taskId);
    } catch (error) {
      const redis = asRedisUnavailable(error);
      if (!redis) throw error;
      this.redisFailures.note(redis.kind, (suppressed) =>
        this.logger.warn(
          { taskId: job.data.taskId, kind: redis.kind, ...(suppressed ? { suppressed } : {}) },
          `task runs wait for Redis (${redis.kind}); they go on once it serves again`,
        ),
      );
      // If Redis refuses this too, BullMQ cannot fail the job either: its lock lapses and the stalled-job check
      // gives it back to a worker once Redis serves again.
      next = { delayMs: REDIS_RETRY_DELAY_MS };
    }
    if (!next) return;
    await job.moveToDelayed(Date.now() + next.delayMs, token);
    throw new DelayedError();
  }

  /** BullMQ's worker reports its connection's and its scripts' failures here; without a listener it prints them. */
  private onError(worker: Worker, error: Error): void {
    this.onWorkerError(error);
    if (asRedisUnavailable(error)) holdFetching(worker, WORKER_HOLD_ON_REDIS_MS);
  }

  /**
   * BullMQ emits this without awaiting it: it must never reject (an unhandled rejection). A job that exhausted
   * its attempts on the task's own errors abandons the task; one that failed because Redis did not serve goes
   * back to the queue. When even that fails (Redis still refuses), the task stays open with its job in the
   * failed set, and the sweeper sends it back later.
   */
  async onFailed(connection: string, job: Job<OperationJobData> | undefined, error: Error): Promise<void> {
    if (!job) return;
    try {
      const exhausted = job.attemptsMade >= (job.opts.attempts ?? JOB_ATTEMPTS);
      if (!exhausted) return;
      if (asRedisUnavailable(error)) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return;
      }
      await this.runner.abandon(connection, job.data.taskId, error.message);
    } catch (failure) {
      const redis = asRedisUnavailable(failure);
      this.redisFailures.note(`failed:${redis?.kind ?? 'other'}`, (suppressed) =>
        this.logger.warn(
          {
            taskId: job.data.taskId,
            error: (failure as Error)?.message,
            ...(suppressed ? { suppressed } : {}),
          },
          'a failed job could not be settled now; the task sweeper takes it up again',
        ),
      );
    }
  }
}

/**
 * Holds a worker's fetching of new jobs for a while, as its own rate limit does, without asking Redis (which is
 * what fails): the running jobs go on; the main loop waits, then fetches again.
 */
function holdFetching(worker: Worker, ms: number): void {
  const held = worker as unknown as { limitUntil?: number };
  held.limitUntil = Math.max(held.limitUntil ?? 0, Date.now() + ms);
}
