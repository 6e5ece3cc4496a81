import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JOB_ATTEMPTS, OPERATIONS_QUEUE, OperationJobData } from './queue.constants';

/** The only producer of operation jobs. The payload is the task id; never input or credentials. */
@Injectable()
export class TaskQueue {
  constructor(@InjectQueue(OPERATIONS_QUEUE) private readonly queue: Queue<OperationJobData>) {}

  async enqueue(taskId: string): Promise<void> {
    await this.queue.add(
      'run',
      { taskId },
      {
        jobId: taskId,
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 86_400 },
      },
    );
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  }
}
