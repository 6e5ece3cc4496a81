import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { bullErrorListener } from '../common/redis/redis-watch';
import { RedisUnavailableError } from '../common/errors/redis-unavailable';
import { LOGGER } from '../common/logging/logger';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { OperationQueues } from './operation-queues';
import { JOB_ATTEMPTS, OPERATION_QUEUES } from './queue.constants';

/**
 * The only producer of operation jobs, on the task's connection's own queue (docs/design.md#redis-topology). The
 * payload is the task id; never input or credentials.
 *
 * BullMQ's connection waits for Redis to come back (as BullMQ requires), so a caller serving a request bounds
 * its wait here, by the Redis command timeout: a request answers 503 `unavailable` instead of hanging for the
 * whole outage. A job add that gave up this way may still run once Redis is back; the job id is the task id, so
 * it never makes a second job.
 */
@Injectable()
export class TaskQueue {
  constructor(
    @Inject(OPERATION_QUEUES) private readonly queues: OperationQueues,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    // Without a listener BullMQ prints each of its connection's errors (every reconnect attempt) to stderr.
    const onError = bullErrorListener('queue', logger);
    for (const [, queue] of queues.entries()) queue.on('error', onError);
  }

  async enqueue(connection: string, taskId: string): Promise<void> {
    await this.bounded(
      this.queues.of(connection).add(
        'run',
        { taskId },
        {
          jobId: taskId,
          attempts: JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 86_400 },
        },
      ),
    );
  }

  /**
   * Runs a waiting task's job now (a cancel was recorded: docs/design.md#cancel). False when the job is not
   * delayed (a worker has it, or it is about to run anyway) or is gone.
   */
  async promote(connection: string, taskId: string): Promise<boolean> {
    const job = await this.bounded(this.queues.of(connection).getJob(taskId));
    if (!job || !(await this.bounded(job.isDelayed()))) return false;
    await this.bounded(job.promote());
    return true;
  }

  /**
   * Removes the job of a task that ended without it (a canceled queued task). A worker that holds it already
   * finds the task ended and stops, so a failure here changes nothing.
   */
  async remove(connection: string, taskId: string): Promise<void> {
    await this.bounded(this.queues.of(connection).remove(taskId));
  }

  /** Job counts summed over every connection's queue. */
  async counts(): Promise<Record<string, number>> {
    const each = await this.bounded(
      Promise.all(
        this.queues
          .entries()
          .map(([, queue]) => queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')),
      ),
    );
    const total: Record<string, number> = {};
    for (const counts of each)
      for (const [state, count] of Object.entries(counts)) total[state] = (total[state] ?? 0) + count;
    return total;
  }

  private bounded<T>(work: Promise<T>): Promise<T> {
    const ms = this.config.env.redisCommandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError('timeout')), ms);
      timer.unref();
    });
    // The work may still settle after the deadline: its outcome is not wanted then, and must not go unhandled.
    work.catch(() => undefined);
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
}
