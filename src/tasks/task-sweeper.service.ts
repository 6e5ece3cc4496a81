import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { REDIS } from '../common/redis/redis.tokens';
import { OperationQueues } from './operation-queues';
import { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';
import { OPERATION_QUEUES } from './queue.constants';

const SWEEP_INTERVAL_MS = 60_000;
/** Open tasks looked at per Redis round trip. */
const SWEEP_BATCH = 200;
/**
 * How long a job may sit in the failed or completed set before the sweeper takes it: the worker that finished it
 * is settling its task right then (abandoning it, or sending it back), and must not be raced.
 */
export const SWEEP_GRACE_MS = 10_000;

type Finished = 'failed' | 'completed';

/**
 * Sends every open task without a live job back to the queue: the process that accepted it died between writing
 * the task and adding its job (no job), or its job ended without ending the task (in the failed set: Redis
 * refused the task's last writes, or abandoning it failed; in the completed set: the same for its last save).
 * Job ids are task ids, so a sweep racing the normal path cannot create a second job.
 */
@Injectable()
export class TaskSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly tasks: TaskQueue,
    @Inject(OPERATION_QUEUES) private readonly queues: OperationQueues,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    // A process started while Redis is down sweeps once it is up, not a whole interval later.
    if (this.redis.status === 'ready') void this.sweep();
    else this.redis.once('ready', () => void this.sweep());
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many tasks it sent back to the queue, over every connection. Never throws. */
  async sweep(graceMs = SWEEP_GRACE_MS): Promise<number> {
    let total = 0;
    for (const [connection, queue] of this.queues.entries())
      total += await this.sweepConnection(connection, queue, graceMs);
    return total;
  }

  /** One connection's open tasks against its own queue: every key read here is in that connection's slot. */
  private async sweepConnection(connection: string, queue: Queue, graceMs: number): Promise<number> {
    try {
      const open = await this.store.openTaskIds(connection);
      let missing = 0;
      let finished = 0;
      for (let start = 0; start < open.length; start += SWEEP_BATCH) {
        const batch = open.slice(start, start + SWEEP_BATCH);
        const replies = await this.redis
          .pipeline(
            batch.flatMap((id) => [
              ['exists', queue.toKey(id)],
              ['zscore', queue.keys.failed, id],
              ['zscore', queue.keys.completed, id],
            ]),
          )
          .exec();
        const reply = (i: number) => {
          const [error, value] = replies?.[i] ?? [new Error('no reply'), null];
          if (error) throw error;
          return value;
        };
        for (const [i, taskId] of batch.entries()) {
          if (reply(3 * i) === 0) {
            await this.tasks.enqueue(connection, taskId);
            missing++;
            continue;
          }
          const state: Finished | null =
            reply(3 * i + 1) !== null ? 'failed' : reply(3 * i + 2) !== null ? 'completed' : null;
          if (state && (await this.requeue(queue, taskId, state, graceMs))) finished++;
        }
      }
      if (missing) this.logger.warn(`${connection}: re-enqueued ${missing} open task(s) that had no job`);
      if (finished)
        this.logger.warn(`${connection}: re-enqueued ${finished} open task(s) whose job had ended`);
      return missing + finished;
    } catch (error) {
      this.logger.warn(`${connection}: task sweep failed: ${String(error)}`);
      return 0;
    }
  }

  /** Moves a finished job of an open task back to the queue (same job id, attempts counted afresh). */
  private async requeue(queue: Queue, taskId: string, state: Finished, graceMs: number): Promise<boolean> {
    const job = await queue.getJob(taskId);
    if (!job || (job.finishedOn !== undefined && Date.now() - job.finishedOn < graceMs)) return false;
    try {
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    } catch (error) {
      // Most likely taken back already (the worker's own retry, or another process's sweep).
      this.logger.debug(`task ${taskId}: its ${state} job was not retried: ${String(error)}`);
      return false;
    }
  }
}
