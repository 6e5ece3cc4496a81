import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { REDIS } from '../cache/redis.tokens';
import { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';
import { OPERATIONS_QUEUE } from './queue.constants';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Re-enqueues open tasks that have no job (the process that accepted them died between writing the task and
 * adding its job). Job ids are task ids, so a sweep racing the normal path cannot create a second job.
 */
@Injectable()
export class TaskSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly tasks: TaskQueue,
    @InjectQueue(OPERATIONS_QUEUE) private readonly queue: Queue,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    void this.sweep();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many tasks it re-enqueued. */
  async sweep(): Promise<number> {
    try {
      const open = await this.store.openTaskIds();
      if (open.length === 0) return 0;
      const exists = await this.redis.pipeline(open.map((id) => ['exists', this.queue.toKey(id)])).exec();
      const orphans = open.filter((_, i) => exists?.[i]?.[1] === 0);
      for (const taskId of orphans) await this.tasks.enqueue(taskId);
      if (orphans.length) this.logger.warn(`re-enqueued ${orphans.length} task(s) that had no job`);
      return orphans.length;
    } catch (error) {
      this.logger.warn(`task sweep failed: ${String(error)}`);
      return 0;
    }
  }
}
