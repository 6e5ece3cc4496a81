import { DelayedError, type Job } from 'bullmq';
import { ReplyError } from 'ioredis';
import pino from 'pino';
import type { GatewayConfig } from '../config/gateway-config';
import type { OperationRunner } from './operation-runner.service';
import { OperationProcessor, REDIS_RETRY_DELAY_MS, WORKER_HOLD_ON_REDIS_MS } from './operation.processor';
import { OperationQueues } from './operation-queues';
import { JOB_ATTEMPTS, type OperationJobData } from './queue.constants';

/** A Redis error reply as ioredis hands it over (`ReplyError`, the server's message). */
const reply = (message: string): Error => new (ReplyError as new (message: string) => Error)(message);
const OOM = () => reply("OOM command not allowed when used memory > 'maxmemory'.");
const EXECABORT = () => reply('EXECABORT Transaction discarded because of previous errors.');

function fakeJob(attemptsMade = 0) {
  return {
    data: { taskId: 'T1' },
    opts: { attempts: JOB_ATTEMPTS },
    attemptsMade,
    moveToDelayed: jest.fn(async () => undefined),
    retry: jest.fn(async () => undefined),
  };
}

/**
 * The processor's part in issue 12, point 1: a run that Redis could not serve is the gateway's failure, not the
 * task's; it is retried later without spending the job's attempts, never abandoned, and the `failed` handler
 * (which BullMQ does not await) never rejects.
 */
describe('OperationProcessor', () => {
  let runner: { run: jest.Mock; abandon: jest.Mock };
  let processor: OperationProcessor;

  beforeEach(() => {
    runner = { run: jest.fn(), abandon: jest.fn(async () => undefined) };
    processor = new OperationProcessor(
      runner as unknown as OperationRunner,
      new OperationQueues(new Map()),
      {} as GatewayConfig,
      pino({ level: 'silent' }),
    );
  });

  const asJob = (job: ReturnType<typeof fakeJob>) => job as unknown as Job<OperationJobData>;

  it('should delay the job, without failing it, when Redis refuses the run (full)', async () => {
    runner.run.mockRejectedValue(OOM());
    const job = fakeJob();
    const before = Date.now();
    await expect(processor.process('c1', asJob(job), 'tok')).rejects.toBeInstanceOf(DelayedError);
    expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
    const [until, token] = job.moveToDelayed.mock.calls[0] as unknown as [number, string];
    expect(token).toBe('tok');
    expect(until).toBeGreaterThanOrEqual(before + REDIS_RETRY_DELAY_MS);
    expect(runner.abandon).not.toHaveBeenCalled();
  });

  it('should treat a lost connection and a command timeout the same way', async () => {
    for (const error of [new Error('Connection is closed.'), new Error('Command timed out')]) {
      runner.run.mockRejectedValueOnce(error);
      const job = fakeJob();
      await expect(processor.process('c1', asJob(job), 'tok')).rejects.toBeInstanceOf(DelayedError);
      expect(job.moveToDelayed).toHaveBeenCalledTimes(1);
    }
  });

  it('should let an unexpected error of the task fail the attempt as before', async () => {
    runner.run.mockRejectedValue(new TypeError('a bug'));
    const job = fakeJob();
    await expect(processor.process('c1', asJob(job), 'tok')).rejects.toBeInstanceOf(TypeError);
    expect(job.moveToDelayed).not.toHaveBeenCalled();
  });

  it('should send a job that ended for a Redis reason back to the queue, never abandon its task', async () => {
    const job = fakeJob(JOB_ATTEMPTS);
    await processor.onFailed('c1', asJob(job), OOM());
    expect(job.retry).toHaveBeenCalledWith('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    expect(runner.abandon).not.toHaveBeenCalled();
  });

  it('should abandon a task whose own errors used up the attempts', async () => {
    await processor.onFailed('c1', asJob(fakeJob(JOB_ATTEMPTS)), new TypeError('a bug'));
    expect(runner.abandon).toHaveBeenCalledWith('c1', 'T1', 'a bug');
    runner.abandon.mockClear();
    await processor.onFailed('c1', asJob(fakeJob(1)), new TypeError('a bug'));
    expect(runner.abandon).not.toHaveBeenCalled();
  });

  it('should never reject, also when abandoning or re-queueing fails because Redis refuses (EXECABORT)', async () => {
    runner.abandon.mockRejectedValue(EXECABORT());
    await expect(
      processor.onFailed('c1', asJob(fakeJob(JOB_ATTEMPTS)), new TypeError('a bug')),
    ).resolves.toBeUndefined();
    const job = fakeJob(JOB_ATTEMPTS);
    job.retry.mockRejectedValue(OOM());
    await expect(processor.onFailed('c1', asJob(job), OOM())).resolves.toBeUndefined();
    await expect(processor.onFailed('c1', undefined, OOM())).resolves.toBeUndefined();
  });

  it("should hold the worker's fetching for a while when Redis refuses its commands, not spin on them", () => {
    const worker = { limitUntil: 0 };
    const onError = (error: Error) =>
      (processor as unknown as { onError(worker: unknown, error: Error): void }).onError(worker, error);
    const before = Date.now();
    onError(OOM());
    expect(worker.limitUntil).toBeGreaterThanOrEqual(before + WORKER_HOLD_ON_REDIS_MS);
    worker.limitUntil = 0;
    onError(new Error('Missing lock for job T1. moveToFinished'));
    expect(worker.limitUntil).toBe(0);
  });
});
