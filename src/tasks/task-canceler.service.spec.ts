import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../common/redis/keys';
import { MetricsService } from '../common/metrics/metrics.service';
import { readEnv } from '../config/env';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config';
import { ProviderKind, ResourceType } from '../domain/states';
import type { OperationPlan } from '../providers/ports/operation-plan';
import { Connection } from '../providers/registry/connection';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import type { HistoryLog } from './history-log.service';
import { TaskCanceler } from './task-canceler.service';
import { TaskEvents } from './task-events.service';
import { TaskIntake } from './task-intake.service';
import type { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';
import type { Task } from './task.dto';

/** The API side of a cancel (docs/design.md#cancel) against a real Redis; no worker runs. */
describe('TaskCanceler', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let blocking: Redis;
  let store: TaskStore;
  let events: TaskEvents;
  let intake: TaskIntake;
  let canceler: TaskCanceler;
  const removed: string[] = [];
  const promoted: string[] = [];
  const historyEnded: Task[] = [];

  const plan = (): OperationPlan => ({
    resourceType: ResourceType.Server,
    steps: ['stop', 'wait-stopped'].map((name) => ({
      name,
      run: async () => ({ status: 'done' as const }),
    })),
  });
  const adapter = new Connection(
    {
      name: 'fake',
      kind: ProviderKind.Cloudmc,
      plans: { 'server.stop': plan },
      probe: async () => undefined,
    },
    { name: 'fake', kind: 'cloudmc' } as ConnectionConfig,
  );

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    redisServer = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'cancel-redis-')), binary });
    redis = new Redis(redisServer.url);
    blocking = new Redis(redisServer.url);
    const config = {
      env: readEnv({}),
      tasks: { retentionHours: 24, defaultDeadlineSeconds: 60 },
      events: { retainEvents: 1000 },
      providers: [{ name: 'fake' }],
    } as unknown as GatewayConfig;
    store = new TaskStore(redis, config);
    events = new TaskEvents(redis, blocking, config);
    const queue = {
      enqueue: async () => undefined,
      promote: async (_connection: string, id: string) => promoted.push(id) > 0,
      remove: async (_connection: string, id: string) => void removed.push(id),
    } as unknown as TaskQueue;
    const history = {
      taskEnded: async (task: Task) => void historyEnded.push(task),
    } as unknown as HistoryLog;
    intake = new TaskIntake(store, queue, events, redis, config);
    canceler = new TaskCanceler(store, queue, history, new MetricsService());
  });

  afterAll(async () => {
    redis.disconnect();
    blocking.disconnect();
    await redisServer.stop();
  });

  let serial = 0;
  const submit = async () => {
    const target = `n${++serial}`;
    return (
      await intake.submit({
        adapter,
        operation: 'server.stop',
        target,
        resourceId: `fake:${target}`,
        input: { force: false },
        idempotency: null,
        requestId: 'r',
        actor: 'test-key',
      })
    ).task;
  };
  const canceledEvents = async (taskId: string) =>
    (await events.range('0-0', 10_000)).filter((e) => e.taskId === taskId && e.type === 'task.canceled')
      .length;
  /** What the worker's queued → running transition writes (its compare-and-set against the stored record). */
  const startAsWorker = async (taskId: string) => {
    const loaded = (await store.getWithInternal('fake', taskId))!;
    loaded.task.status = 'running' as never;
    return store.save(loaded.task, loaded.internal, loaded.publicJson);
  };

  it('should end a queued task canceled at once: steps skipped, lock and open set freed, job removed, one event', async () => {
    const task = await submit();
    const canceled = await canceler.cancel('fake', task.id);
    expect(canceled).toMatchObject({
      status: 'canceled',
      error: null,
      completedAt: expect.any(String),
      cancelRequestedAt: expect.any(String),
    });
    expect(canceled.steps.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(await store.get('fake', task.id)).toEqual(canceled);
    expect(await store.activeTaskIds([task.resource.id!])).toEqual([null]);
    expect(await store.openTaskIds('fake')).not.toContain(task.id);
    expect(removed).toContain(task.id);
    expect(historyEnded.map((t) => t.id)).toContain(task.id);
    expect(await canceledEvents(task.id)).toBe(1);
    // The worker that still picks its job finds nothing to run.
    expect(await store.getWithInternal('fake', task.id)).toBeNull();
    await expect(canceler.cancel('fake', task.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('should record the cancel of a task a worker started first, and wake its job', async () => {
    const task = await submit();
    expect((await startAsWorker(task.id)).outcome).toBe('saved');
    const asked = await canceler.cancel('fake', task.id);
    expect(asked).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(String) });
    expect(promoted).toContain(task.id);
    expect((await store.get('fake', task.id))!.cancelRequestedAt).toBe(asked.cancelRequestedAt);
    // The worker learns of it with its next save, for free.
    const loaded = (await store.getWithInternal('fake', task.id))!;
    expect(loaded.cancelRequestedAt).toBe(asked.cancelRequestedAt);
    expect((await store.save(loaded.task, loaded.internal)).cancelRequestedAt).toBe(asked.cancelRequestedAt);
    // Asked again: the same task, not a conflict.
    expect((await canceler.cancel('fake', task.id)).cancelRequestedAt).toBe(asked.cancelRequestedAt);
    // Its worker is now refused the commit: the cancel wins.
    expect(await store.commit('fake', task.id)).toEqual({ cancelRequestedAt: asked.cancelRequestedAt });
  });

  it('should not let the worker start a task the API canceled while queued, nor the API end one a worker started', async () => {
    const first = await submit();
    const loaded = (await store.getWithInternal('fake', first.id))!;
    await canceler.cancel('fake', first.id);
    loaded.task.status = 'running' as never;
    expect((await store.save(loaded.task, loaded.internal, loaded.publicJson)).outcome).toBe('ended');

    const second = await submit();
    const request = await store.requestCancel('fake', second.id, new Date().toISOString());
    expect(request.kind).toBe('queued');
    await startAsWorker(second.id);
    const queued = request as Extract<typeof request, { kind: 'queued' }>;
    expect(
      await store.finish({ ...queued.task, status: 'canceled' as never }, queued.internal, {
        mode: 'expect',
        expectPublic: queued.publicJson,
      }),
    ).toEqual({ outcome: 'changed' });
    expect((await store.get('fake', second.id))!.status).toBe('running');
  });

  it('should refuse with 409 a task past its last backend call', async () => {
    const task = await submit();
    await startAsWorker(task.id);
    expect(await store.commit('fake', task.id)).toBe('committed');
    await expect(canceler.cancel('fake', task.id)).rejects.toMatchObject({
      code: 'conflict',
      status: 409,
      message: expect.stringContaining('past its last backend call'),
    });
    expect((await store.get('fake', task.id))!.cancelRequestedAt).toBeNull();
  });

  it('should answer 404 for a task that is not kept', async () => {
    await expect(canceler.cancel('fake', '01ARZ3NDEKTSV4RRFFQ69G5FAV')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('should load and cancel a task stored by the previous version (no actor, no cancelRequestedAt)', async () => {
    const task = await submit();
    const stored = JSON.parse((await redis.hget(keys.task('fake', task.id), 'public'))!) as Record<
      string,
      unknown
    >;
    delete stored.actor;
    delete stored.cancelRequestedAt;
    await redis.hset(keys.task('fake', task.id), 'public', JSON.stringify(stored));
    expect((await store.get('fake', task.id))!.cancelRequestedAt).toBeNull();
    expect((await canceler.cancel('fake', task.id)).status).toBe('canceled');
  });
});
