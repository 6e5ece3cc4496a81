import type { Worker } from 'bullmq';
import type { TaskSettings } from '../../config/config.schema';

/**
 * Starts a BullMQ worker built with `autorun: false`, with the lock and stall timings of the
 * config, which the static @Processor decorator cannot read. The lock manager copied BullMQ's defaults (30 s lock,
 * renewed every 15 s) when the worker was built: it is rebuilt with ours, or a lock shorter than ~15 s lapses under
 * a running job and a second worker runs it too (found by the crash suite). It only starts in run().
 */
export function startWorker(
  worker: Worker,
  timings: Pick<TaskSettings, 'stalledIntervalMs' | 'lockDurationMs'>,
  onError: (error: Error) => void,
): void {
  Object.assign(worker.opts, {
    stalledInterval: timings.stalledIntervalMs,
    lockDuration: timings.lockDurationMs,
    lockRenewTime: timings.lockDurationMs / 2,
  });
  (worker as unknown as { createLockManager(): void }).createLockManager();
  void worker.run().catch((error: unknown) => onError(error as Error));
}
