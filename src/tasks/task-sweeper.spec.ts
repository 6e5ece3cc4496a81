import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { readEnv } from '../config/env';
import type { GatewayConfig } from '../config/gateway-config';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { OperationQueues } from './operation-queues';
import { BULL_PREFIX, operationsQueue, type OperationJobData } from './queue.constants';
import { TaskQueue } from './task-queue.service';
import type { TaskStore } from './task-store.service';
import { TaskSweeper } from './task-sweeper.service';

/**
 * The sweeper against a real Redis and BullMQ queue (issue 12, point 1): an open task must get a live job again
 * whichever set its old job sits in; a live job is left alone.
 */
describe('TaskSweeper', () => {
  let server: EmbeddedRedis;
  let redis: Redis;
  let queue: Queue<OperationJobData>;
  let worker: Worker<OperationJobData>;
  let open: string[];
  let sweeper: TaskSweeper;
  let queues: OperationQueues;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'sweeper-redis-')), binary });
    redis = new Redis(server.url);
    const connection = { host: '127.0.0.1', port: Number(new URL(server.url).port) };
    queue = new Queue(operationsQueue('c1'), { connection, prefix: BULL_PREFIX });
    // A worker that only takes jobs when told to (manual processing): the test decides how each one ends.
    worker = new Worker(operationsQueue('c1'), null, { connection, prefix: BULL_PREFIX, autorun: false });
    queues = new OperationQueues(new Map([['c1', queue]]));
    const config = { env: readEnv({}) } as GatewayConfig;
    const tasks = new TaskQueue(queues, config, pino({ level: 'silent' }));
    const store = {
      openTaskIds: async (connection: string) => (connection === 'c1' ? open : []),
    } as unknown as TaskStore;
    sweeper = new TaskSweeper(store, tasks, queues, redis);
  });

  afterAll(async () => {
    await worker.close();
    await queue.close();
    redis.disconnect();
    await server.stop();
  });

  beforeEach(async () => {
    await redis.flushdb();
    open = [];
  });

  /** Takes the next job as a worker would and ends it as `end` says. */
  async function take(end: (job: Job<OperationJobData>, token: string) => Promise<unknown>): Promise<void> {
    const token = `t-${Math.random()}`;
    const job = await worker.getNextJob(token);
    if (!job) throw new Error('no job to take');
    await end(job, token);
  }

  it('should re-enqueue an open task whose job sits in the failed set, with its attempts counted afresh', async () => {
    open = ['T1'];
    await queue.add('run', { taskId: 'T1' }, { jobId: 'T1', attempts: 1, removeOnFail: false });
    await take((job, token) => job.moveToFailed(new Error('EXECABORT Transaction discarded'), token));
    expect(await queue.getJobState('T1')).toBe('failed');

    expect(await sweeper.sweep(0)).toBe(1);
    expect(await queue.getJobState('T1')).toBe('waiting');
    expect((await queue.getJob('T1'))!.attemptsMade).toBe(0);
  });

  it('should re-enqueue an open task whose job sits in the completed set', async () => {
    open = ['T2'];
    await queue.add('run', { taskId: 'T2' }, { jobId: 'T2', removeOnComplete: false });
    await take((job, token) => job.moveToCompleted(undefined, token, false));
    expect(await queue.getJobState('T2')).toBe('completed');

    expect(await sweeper.sweep(0)).toBe(1);
    expect(await queue.getJobState('T2')).toBe('waiting');
  });

  it('should enqueue an open task that has no job at all', async () => {
    open = ['T3'];
    expect(await sweeper.sweep(0)).toBe(1);
    expect(await queue.getJobState('T3')).toBe('waiting');
  });

  it('should leave live jobs alone, and a job that just failed to the worker that is settling it', async () => {
    open = ['F', 'A', 'W', 'D'];
    await queue.add('run', { taskId: 'F' }, { jobId: 'F', attempts: 1, removeOnFail: false });
    await take((job, token) => job.moveToFailed(new Error('x'), token));
    await queue.add('run', { taskId: 'A' }, { jobId: 'A' });
    await take(async () => undefined); // taken and still running: active
    await queue.add('run', { taskId: 'W' }, { jobId: 'W' });
    await queue.add('run', { taskId: 'D' }, { jobId: 'D', delay: 60_000 });
    const states = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        await Promise.all(
          open.map(async (id): Promise<[string, string]> => [id, await queue.getJobState(id)]),
        ),
      );
    expect(await states()).toEqual({ F: 'failed', A: 'active', W: 'waiting', D: 'delayed' });

    expect(await sweeper.sweep()).toBe(0);
    expect(await states()).toEqual({ F: 'failed', A: 'active', W: 'waiting', D: 'delayed' });
  });

  it('should never throw, also when Redis does not answer', async () => {
    const broken = new TaskSweeper(
      { openTaskIds: async () => Promise.reject(new Error('Connection is closed.')) } as unknown as TaskStore,
      {} as TaskQueue,
      queues,
      redis,
    );
    await expect(broken.sweep()).resolves.toBe(0);
  });
});
