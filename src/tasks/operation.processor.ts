import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { OperationRunner } from './operation-runner.service';
import { JOB_ATTEMPTS, OPERATIONS_QUEUE, OperationJobData } from './queue.constants';

/**
 * Runs operation steps. A step that must wait is not awaited here: the job moves itself to the delayed set
 * and the worker takes the next job (BullMQ "process step jobs" pattern).
 */
@Processor(OPERATIONS_QUEUE, { autorun: false, maxStalledCount: 1_000 })
export class OperationProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly runner: OperationRunner,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    super();
  }

  async process(job: Job<OperationJobData>, token?: string): Promise<void> {
    const next = await this.runner.run(job.data.taskId);
    if (!next) return;
    await job.moveToDelayed(Date.now() + next.delayMs, token);
    throw new DelayedError();
  }

  onApplicationBootstrap(): void {
    // Worker options come from config, which the static @Processor decorator cannot read: set them before run().
    this.worker.concurrency = this.config.tasks.workerConcurrency;
    Object.assign(this.worker.opts, {
      stalledInterval: this.config.tasks.stalledIntervalMs,
      lockDuration: this.config.tasks.lockDurationMs,
      lockRenewTime: this.config.tasks.lockDurationMs / 2,
    });
    // The lock manager copied BullMQ's defaults (30 s lock, renewed every 15 s) when @nestjs/bullmq built the
    // worker: rebuilt with ours, or a lock shorter than ~15 s lapses under a running step and a second worker
    // runs the same create (found by the crash suite). It only starts in run().
    (this.worker as unknown as { createLockManager(): void }).createLockManager();
    void this.worker.run();
  }

  @OnWorkerEvent('failed')
  async onFailed(job: Job<OperationJobData> | undefined, error: Error): Promise<void> {
    if (job && job.attemptsMade >= (job.opts.attempts ?? JOB_ATTEMPTS))
      await this.runner.abandon(job.data.taskId, error.message);
  }
}
