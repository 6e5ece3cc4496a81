import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { ProviderError, ProviderUnavailableError } from '../common/errors/gateway-error';
import { keys } from '../common/redis/keys';
import { MetricsService } from '../common/metrics/metrics.service';
import { readEnv } from '../config/env';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config';
import { ProviderKind, ResourceType, ServerState } from '../domain/states';
import type { NativeServer } from '../providers/ports/native';
import type { OperationPlan, OperationStep, StepContext } from '../providers/ports/operation-plan';
import { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { currentCallSignal } from '../providers/kit/http/call-scope';
import { GatewayReads } from './gateway-reads';
import { HistoryLog } from './history-log.service';
import { LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';
import { OperationRunner, type RunResult } from './operation-runner.service';
import { TaskCanceler } from './task-canceler.service';
import { TaskEvents } from './task-events.service';
import { TaskIntake } from './task-intake.service';
import type { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';
import type { Task } from './task.dto';

/** The runner against a real Redis, with a fake adapter whose plans the tests script. */
describe('OperationRunner', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let blocking: Redis;
  let runner: OperationRunner;
  let intake: TaskIntake;
  let store: TaskStore;
  let events: TaskEvents;
  let canceler: TaskCanceler;
  let plan: () => OperationPlan;
  /** The plan of `server.delete` when it differs from `plan` (the undo of a canceled create). */
  let deletePlan: ((target: string | null) => OperationPlan) | undefined;
  /** Tasks the history was told of, as it was told. */
  const historyEnded: Task[] = [];
  const server: NativeServer = {
    nativeId: 'n1',
    name: 'srv',
    state: ServerState.Running,
    providerState: 'Running',
    cpuCores: 1,
    cpuMhz: null,
    memoryMb: 512,
    imageId: null,
    planId: null,
    locationId: null,
    ipAddresses: [],
    volumeIds: [],
    networkIds: [],
    labels: {},
    extra: {},
  };

  const adapter = new Connection(
    {
      name: 'fake',
      kind: ProviderKind.Cloudmc,
      servers: {
        list: async () => ({ items: [], skipped: [] }),
        get: async () => server,
      },
      plans: {
        'server.start': () => plan(),
        'server.create': () => plan(),
        'server.delete': (request) => (deletePlan ? deletePlan(request.target) : plan()),
        // No `volume.delete`: a canceled volume create cannot be undone here.
        'volume.create': () => plan(),
      },
      probe: async () => undefined,
    },
    { name: 'fake', kind: 'cloudmc' } as ConnectionConfig,
  );

  const step = (
    name: string,
    run: (ctx: StepContext) => Promise<unknown>,
    idempotent?: boolean,
  ): OperationStep => ({
    name,
    idempotent,
    run: run as OperationStep['run'],
  });

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    redisServer = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'runner-redis-')), binary });
    redis = new Redis(redisServer.url);
    blocking = new Redis(redisServer.url);
    const config = {
      env: readEnv({}),
      tasks: { retentionHours: 24, defaultDeadlineSeconds: 60 },
      cache: { freshMs: 1000, staleMs: 60_000 },
      events: { retainEvents: 1000 },
      providers: [{ name: 'fake' }],
    } as unknown as GatewayConfig;
    store = new TaskStore(redis, config);
    events = new TaskEvents(redis, blocking, config);
    const history = {
      taskEnded: async (task: Task) => void historyEnded.push(structuredClone(task)),
    } as unknown as HistoryLog;
    const registry = new ProviderRegistry([adapter]);
    runner = new OperationRunner(
      store,
      registry,
      events,
      new SnapshotCache(redis, config),
      new MetricsService(),
      new LabelStore(redis),
      new PublicKeyStore(redis),
      new GatewayReads(new LabelStore(redis), new PublicKeyStore(redis)),
      history,
    );
    canceler = new TaskCanceler(
      store,
      { promote: async () => true, remove: async () => undefined } as unknown as TaskQueue,
      history,
      new MetricsService(),
    );
    intake = new TaskIntake(
      store,
      { enqueue: async () => undefined } as unknown as TaskQueue,
      events,
      redis,
      config,
    );
  });

  afterEach(() => {
    deletePlan = undefined;
  });

  afterAll(async () => {
    redis.disconnect();
    blocking.disconnect();
    await redisServer.stop();
  });

  /** Runs the task as the processor would, each delay skipped, until it ends. */
  async function drive(taskId: string, limit = 50): Promise<RunResult[]> {
    const results: RunResult[] = [];
    for (let i = 0; i < limit; i++) {
      const result = await runner.run('fake', taskId);
      results.push(result);
      if (!result) return results;
    }
    throw new Error('task did not end');
  }

  const start = async () =>
    (
      await intake.submit({
        adapter,
        operation: 'server.start',
        target: 'n1',
        resourceId: 'fake:n1',
        input: {},
        idempotency: null,
        requestId: 'r',
        actor: 'test-key',
      })
    ).task;

  it('should run steps in order, persist their state, and succeed with the fresh resource', async () => {
    let polls = 0;
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [
        step('call', async (ctx) => {
          ctx.state.token = 'abc';
          return { status: 'done', providerRef: { kind: 'fake-task', id: 't-1' } };
        }),
        step('wait', async (ctx) =>
          ctx.state.token === 'abc' && ++polls >= 3
            ? { status: 'done' }
            : { status: 'wait', delayMs: 5, providerStatus: 'PENDING', progress: 40 },
        ),
      ],
    });
    const task = await start();
    const results = await drive(task.id);
    expect(results.filter((r) => r?.delayMs === 5)).toHaveLength(2);
    const done = (await store.get('fake', task.id))!;
    expect(done).toMatchObject({
      status: 'succeeded',
      progress: 100,
      providerRef: { kind: 'fake-task', id: 't-1' },
      result: { id: 'fake:n1', nativeId: 'n1', provider: 'fake' },
    });
    expect(done.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(await store.activeTaskIds(['fake:n1'])).toEqual([null]);
  });

  it('should back off and retry a retryable failure of an idempotent step', async () => {
    let calls = 0;
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [
        step('flaky', async () =>
          ++calls < 3
            ? Promise.reject(new ProviderUnavailableError('busy', { retryAfter: 2 }))
            : { status: 'done' },
        ),
      ],
    });
    const task = await start();
    const results = await drive(task.id);
    expect(results[0]!.delayMs).toBeGreaterThanOrEqual(2000);
    expect((await store.get('fake', task.id))!.status).toBe('succeeded');
  });

  it('should resume a non-idempotent step with resumed: true after an ambiguous failure', async () => {
    const seen: boolean[] = [];
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [
        step(
          'create',
          async (ctx) => {
            seen.push(ctx.resumed);
            if (seen.length === 1)
              throw new ProviderError('the connection dropped after the request went out');
            return { status: 'done' };
          },
          false,
        ),
      ],
    });
    const task = await start();
    await drive(task.id);
    expect(seen).toEqual([false, true]);
    expect((await store.get('fake', task.id))!.status).toBe('succeeded');
  });

  it('should fail with the problem, clean up, and free the resource when a step fails for good', async () => {
    const cleaned: string[] = [];
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [step('doomed', () => Promise.reject(new ProviderError('no capacity', { retryable: false })))],
      onFailure: async (ctx) => {
        cleaned.push(ctx.taskId);
      },
    });
    const task = await start();
    await drive(task.id);
    const failed = (await store.get('fake', task.id))!;
    expect(failed).toMatchObject({
      status: 'failed',
      error: {
        code: 'provider_error',
        provider: 'fake',
        detail: 'no capacity',
        instance: `/v1/tasks/${task.id}`,
      },
    });
    expect(failed.steps[0].status).toBe('failed');
    expect(cleaned).toEqual([task.id]);
    expect(await store.activeTaskIds(['fake:n1'])).toEqual([null]);
  });

  it('should let reconciliation decide at the deadline: success when the backend shows the effect', async () => {
    plan = () => ({
      resourceType: ResourceType.Server,
      deadlineSeconds: 0,
      steps: [step('never', async () => ({ status: 'wait', delayMs: 5 }))],
      reconcile: async () => true,
    });
    const task = await start();
    await drive(task.id);
    expect((await store.get('fake', task.id))!.status).toBe('succeeded');
  });

  it('should fail with timeout at the deadline when reconciliation cannot confirm', async () => {
    plan = () => ({
      resourceType: ResourceType.Server,
      deadlineSeconds: 0,
      steps: [step('never', async () => ({ status: 'wait', delayMs: 5 }))],
      reconcile: async () => false,
    });
    const task = await start();
    await drive(task.id);
    expect((await store.get('fake', task.id))!).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', status: 504 },
    });
  });

  it('should abandon a step still running at the deadline: its calls aborted, the task failed, the resource free', async () => {
    let statusDuringStep: string | undefined;
    let callAborted = false;
    plan = () => ({
      resourceType: ResourceType.Server,
      deadlineSeconds: 1,
      steps: [
        step('hang', async (ctx) => {
          statusDuringStep = (await store.get('fake', ctx.taskId))?.status;
          // A backend call that never answers: only the abort of the step's scope ends it.
          return new Promise((_, reject) =>
            currentCallSignal()?.addEventListener('abort', () => {
              callAborted = true;
              reject(new ProviderError('aborted'));
            }),
          );
        }),
      ],
      reconcile: async () => false,
    });
    const task = await start();
    expect(await drive(task.id)).toEqual([null]);
    expect(statusDuringStep).toBe('running');
    expect(callAborted).toBe(true);
    expect((await store.get('fake', task.id))!).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', detail: expect.stringContaining("'hang'") },
    });
    expect(await store.activeTaskIds(['fake:n1'])).toEqual([null]);
  });

  it('should not let reconciliation confirm an effect whose call was never answered (effectStep)', async () => {
    let reconciled = 0;
    plan = () => ({
      resourceType: ResourceType.Server,
      deadlineSeconds: 0,
      steps: [
        step('reboot', () => Promise.reject(new ProviderError('the answer never came in full'))),
        step('wait-running', async () => ({ status: 'done' })),
      ],
      // The server runs, as it did before the reboot was asked for.
      reconcile: async () => ++reconciled > 0,
      effectStep: 'reboot',
    });
    const task = await start();
    await drive(task.id);
    expect((await store.get('fake', task.id))!).toMatchObject({
      status: 'failed',
      error: { code: 'timeout' },
    });
    expect(reconciled).toBe(0);
  });

  it('should let reconciliation decide once the effect step was answered', async () => {
    plan = () => ({
      resourceType: ResourceType.Server,
      deadlineSeconds: 1,
      steps: [
        step('reboot', async () => ({ status: 'done' })),
        step('wait-running', async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { status: 'wait', delayMs: 5 };
        }),
      ],
      reconcile: async () => true,
      effectStep: 'reboot',
    });
    const task = await start();
    await drive(task.id);
    expect((await store.get('fake', task.id))!.status).toBe('succeeded');
  });

  it('should fail with internal, hiding the details, when a step throws something unexpected', async () => {
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [
        step('buggy', () =>
          Promise.reject(new TypeError('cannot read properties of undefined (secret path)')),
        ),
      ],
    });
    const task = await start();
    await drive(task.id);
    const failed = (await store.get('fake', task.id))!;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'internal' } });
    expect(JSON.stringify(failed)).not.toContain('secret path');
  });

  it('should refuse a second task on a busy resource, naming the first', async () => {
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [step('slow', async () => ({ status: 'wait', delayMs: 5 }))],
    });
    const first = await start();
    await expect(start()).rejects.toMatchObject({ code: 'conflict', extensions: { activeTaskId: first.id } });
    plan = () => ({
      resourceType: ResourceType.Server,
      steps: [step('quick', async () => ({ status: 'done' }))],
    });
    await drive(first.id);
  });

  describe('labels the gateway keeps (docs/design.md#labels)', () => {
    const submit = async (operation: 'server.create' | 'server.delete', input: object, target?: string) =>
      (
        await intake.submit({
          adapter,
          operation,
          target: target ?? null,
          resourceId: target ? `fake:${target}` : null,
          input: input as never,
          idempotency: null,
          requestId: 'r',
          actor: 'test-key',
        })
      ).task;
    const created = (nativeId: string): OperationPlan => ({
      resourceType: ResourceType.Server,
      steps: [step('create', async () => ({ status: 'done', nativeId }), false)],
    });

    it('should store a create’s labels once it succeeds and show them in its result', async () => {
      plan = () => created('n1');
      const task = await submit('server.create', { name: 'srv', labels: { env: 'prod' } });
      await drive(task.id);
      expect((await store.get('fake', task.id))!).toMatchObject({
        status: 'succeeded',
        result: { nativeId: 'n1', labels: { env: 'prod' } },
      });
      expect(await new LabelStore(redis).get('fake', 'server', 'n1')).toEqual({ env: 'prod' });
    });

    it('should clear what a reused native id carried when a create without labels succeeds', async () => {
      await new LabelStore(redis).set('fake', 'server', 'n1', { old: 'x' });
      plan = () => created('n1');
      const task = await submit('server.create', { name: 'srv', labels: {} });
      await drive(task.id);
      expect((await store.get('fake', task.id))!.result).toMatchObject({ labels: {} });
      expect(await redis.hexists('gw:labels:{fake}:server', 'n1')).toBe(0);
    });

    it('should keep nothing when the create fails', async () => {
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('create', async () => ({ status: 'done', nativeId: 'n9' }), false),
          step('doomed', () => Promise.reject(new ProviderError('no capacity', { retryable: false }))),
        ],
      });
      const task = await submit('server.create', { name: 'srv', labels: { env: 'prod' } });
      await drive(task.id);
      expect((await store.get('fake', task.id))!.status).toBe('failed');
      expect(await new LabelStore(redis).get('fake', 'server', 'n9')).toEqual({});
    });

    it('should drop the labels of a resource once its delete succeeds', async () => {
      await new LabelStore(redis).set('fake', 'server', 'n1', { env: 'prod' });
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [step('delete', async () => ({ status: 'done' }))],
      });
      const task = await submit('server.delete', {}, 'n1');
      await drive(task.id);
      expect((await store.get('fake', task.id))!).toMatchObject({ status: 'succeeded', result: null });
      expect(await redis.hexists('gw:labels:{fake}:server', 'n1')).toBe(0);
    });

    it('should show the stored labels in the result of any other task on the resource', async () => {
      await new LabelStore(redis).set('fake', 'server', 'n1', { team: 'web' });
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [step('start', async () => ({ status: 'done' }))],
      });
      const task = await start();
      await drive(task.id);
      expect((await store.get('fake', task.id))!.result).toMatchObject({
        nativeId: 'n1',
        labels: { team: 'web' },
      });
    });
  });

  describe('cancel (docs/design.md#cancel)', () => {
    const submit = async (operation: 'server.create' | 'volume.create' | 'server.start') =>
      (
        await intake.submit({
          adapter,
          operation,
          target: operation === 'server.start' ? 'n1' : null,
          resourceId: operation === 'server.start' ? 'fake:n1' : null,
          input: (operation === 'server.start' ? {} : { name: 'made' }) as never,
          idempotency: null,
          requestId: 'r',
          actor: 'test-key',
        })
      ).task;
    const ended = async (taskId: string, type: string) =>
      (await events.range('0-0', 10_000)).filter((e) => e.taskId === taskId && e.type === type).length;
    const waitStep = (name: string) => step(name, async () => ({ status: 'wait', delayMs: 5 }));

    it('should stop a running task between two polls: clean-up run, the rest skipped, the resource free', async () => {
      const cleaned: string[] = [];
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('first', async () => ({ status: 'done' })),
          step('poll', async () => ({ status: 'wait', delayMs: 60_000 })),
          step('last', async () => ({ status: 'done' })),
        ],
        onFailure: async (ctx) => void cleaned.push(ctx.taskId),
      });
      const task = await start();
      expect(await runner.run('fake', task.id)).toEqual({ delayMs: 60_000 });
      const asked = await canceler.cancel('fake', task.id);
      expect(asked).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(String) });
      // Asked again while it cancels: the same answer, not a conflict.
      expect((await canceler.cancel('fake', task.id)).cancelRequestedAt).toBe(asked.cancelRequestedAt);
      expect(await drive(task.id)).toEqual([null]);
      const done = (await store.get('fake', task.id))!;
      expect(done).toMatchObject({
        status: 'canceled',
        error: null,
        cancelRequestedAt: asked.cancelRequestedAt,
      });
      expect(done.steps.map((s) => s.status)).toEqual(['succeeded', 'skipped', 'skipped']);
      expect(done.steps[1].completedAt).not.toBeNull();
      expect(cleaned).toEqual([task.id]);
      expect(await store.activeTaskIds(['fake:n1'])).toEqual([null]);
      expect(await ended(task.id, 'task.canceled')).toBe(1);
      expect(historyEnded.filter((t) => t.id === task.id).map((t) => t.status)).toEqual(['canceled']);
      await expect(canceler.cancel('fake', task.id)).rejects.toMatchObject({ code: 'conflict' });
    });

    it('should refuse a cancel once the last step that may change the backend has started (only waits left)', async () => {
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [step('start', async () => ({ status: 'done' })), waitStep('wait-running')],
      });
      const task = await start();
      expect(await runner.run('fake', task.id)).toEqual({ delayMs: 5 });
      await expect(canceler.cancel('fake', task.id)).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('past its last backend call'),
      });
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('start', async () => ({ status: 'done' })),
          step('wait-running', async () => ({ status: 'done' })),
        ],
      });
      await drive(task.id);
      expect((await store.get('fake', task.id))!).toMatchObject({
        status: 'succeeded',
        cancelRequestedAt: null,
      });
    });

    it('should cancel instead of committing when the cancel was recorded before the last backend call', async () => {
      const calls: string[] = [];
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('prepare', async (ctx) => {
            calls.push('prepare');
            // The API records the cancel while the worker runs this step (its save is not what sees it here).
            await redis.hset(keys.task('fake', ctx.taskId), 'cancel', new Date().toISOString());
            return { status: 'done' };
          }),
          step('act', async () => {
            calls.push('act');
            return { status: 'done' };
          }),
          waitStep('wait-done'),
        ],
      });
      const task = await start();
      await drive(task.id);
      expect(calls).toEqual(['prepare']);
      expect((await store.get('fake', task.id))!.steps.map((s) => s.status)).toEqual([
        'succeeded',
        'skipped',
        'skipped',
      ]);
      expect(await store.commit('fake', task.id)).toBe('ended');
    });

    it('should undo a create canceled after its backend made the resource: delete steps as undo-…, then clean-up', async () => {
      const deleted: Array<string | null> = [];
      const cleanedWith: Array<Record<string, unknown>> = [];
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step(
            'create',
            async (ctx) => {
              ctx.state.driveId = 'd1';
              return { status: 'done', nativeId: 'n7' };
            },
            false,
          ),
          step('wait-ready', async () => ({ status: 'wait', delayMs: 60_000 })),
        ],
        onFailure: async (ctx) => void cleanedWith.push({ ...ctx.state, nativeId: ctx.nativeId }),
      });
      let polls = 0;
      deletePlan = (target) => ({
        resourceType: ResourceType.Server,
        steps: [
          step('delete', async (ctx) => {
            deleted.push(target);
            ctx.state.deleteJob = 'j1';
            return { status: 'done' };
          }),
          step('wait-gone', async (ctx) =>
            ++polls < 2
              ? { status: 'wait', delayMs: 5 }
              : { status: ctx.state.deleteJob === 'j1' ? 'done' : 'wait', delayMs: 5 },
          ),
        ],
      });
      const task = await submit('server.create');
      expect(await runner.run('fake', task.id)).toEqual({ delayMs: 60_000 });
      await canceler.cancel('fake', task.id);
      const results = await drive(task.id);
      expect(results.at(-1)).toBeNull();
      const done = (await store.get('fake', task.id))!;
      expect(done).toMatchObject({ status: 'canceled', error: null, resource: { id: 'fake:n7' } });
      expect(done.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
        'create:succeeded',
        'wait-ready:skipped',
        'undo-delete:succeeded',
        'undo-wait-gone:succeeded',
      ]);
      expect(deleted).toEqual(['n7']);
      // The create's own clean-up, with the create's state, after the undo.
      expect(cleanedWith).toEqual([{ driveId: 'd1', nativeId: 'n7' }]);
      expect(await ended(task.id, 'task.canceled')).toBe(1);
    });

    it('should undo a create whose cancel came while its last step ran: the success is refused atomically', async () => {
      let deleted = 0;
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step(
            'create',
            async (ctx) => {
              await redis.hset(keys.task('fake', ctx.taskId), 'cancel', new Date().toISOString());
              return { status: 'done', nativeId: 'n8' };
            },
            false,
          ),
        ],
      });
      deletePlan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('delete', async () => {
            deleted++;
            return { status: 'done' };
          }),
        ],
      });
      const task = await submit('server.create');
      await drive(task.id);
      const done = (await store.get('fake', task.id))!;
      expect(done.status).toBe('canceled');
      expect(done.steps.map((s) => s.name)).toEqual(['create', 'undo-delete']);
      expect(deleted).toBe(1);
      expect(await ended(task.id, 'task.succeeded')).toBe(0);
      expect(await new LabelStore(redis).get('fake', 'server', 'n8')).toEqual({});
    });

    it('should let a non-idempotent call of unknown fate look first, then apply the cancel', async () => {
      const seen: boolean[] = [];
      let deleted = 0;
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step(
            'create',
            async (ctx) => {
              seen.push(ctx.resumed);
              if (seen.length === 1)
                throw new ProviderError('the connection dropped after the request went out');
              return { status: 'done', nativeId: 'n9' };
            },
            false,
          ),
          waitStep('wait-ready'),
        ],
      });
      deletePlan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('delete', async () => {
            deleted++;
            return { status: 'done' };
          }),
        ],
      });
      const task = await submit('server.create');
      const first = await runner.run('fake', task.id);
      expect(first!.delayMs).toBeGreaterThan(0);
      await canceler.cancel('fake', task.id);
      await drive(task.id);
      expect(seen).toEqual([false, true]);
      expect(deleted).toBe(1);
      expect((await store.get('fake', task.id))!.status).toBe('canceled');
    });

    it('should let a create learn the id of what it asked for before the cancel undoes it', async () => {
      let polls = 0;
      const deleted: Array<string | null> = [];
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          // The backend answers with its own task; the server's id comes when that task ends (CloudMC).
          step('create-instance', async () => ({ status: 'done' }), false),
          step('wait-create-task', async () =>
            ++polls < 3 ? { status: 'wait', delayMs: 5 } : { status: 'done', nativeId: 'n12' },
          ),
          waitStep('wait-running'),
        ],
      });
      deletePlan = (target) => ({
        resourceType: ResourceType.Server,
        steps: [
          step('delete', async () => {
            deleted.push(target);
            return { status: 'done' };
          }),
        ],
      });
      const task = await submit('server.create');
      expect(await runner.run('fake', task.id)).toEqual({ delayMs: 5 });
      await canceler.cancel('fake', task.id);
      // Still waiting for the id: the poll keeps its own delay.
      expect(await runner.run('fake', task.id)).toEqual({ delayMs: 5 });
      await drive(task.id);
      expect(polls).toBe(3);
      expect(deleted).toEqual(['n12']);
      expect((await store.get('fake', task.id))!.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
        'create-instance:succeeded',
        'wait-create-task:succeeded',
        'wait-running:skipped',
        'undo-delete:succeeded',
      ]);
    });

    it('should end canceled naming what remains when the undo fails for good', async () => {
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('create', async () => ({ status: 'done', nativeId: 'n10' }), false),
          waitStep('wait-ready'),
        ],
      });
      deletePlan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('delete', () =>
            Promise.reject(new ProviderError('locked by the backend', { retryable: false })),
          ),
        ],
      });
      const task = await submit('server.create');
      await runner.run('fake', task.id);
      await canceler.cancel('fake', task.id);
      await drive(task.id);
      const done = (await store.get('fake', task.id))!;
      expect(done).toMatchObject({
        status: 'canceled',
        error: {
          code: 'needs_attention',
          detail:
            'The server fake:n10 made before the cancel remains: deleting it failed: locked by the backend.',
        },
      });
      expect(done.steps.map((s) => s.status)).toEqual(['succeeded', 'skipped', 'failed']);
    });

    it('should end canceled at once, naming what remains, when the connection cannot delete that type', async () => {
      plan = () => ({
        resourceType: ResourceType.Volume,
        steps: [
          step('create', async () => ({ status: 'done', nativeId: 'v1' }), false),
          waitStep('wait-ready'),
        ],
      });
      const task = await submit('volume.create');
      await runner.run('fake', task.id);
      await canceler.cancel('fake', task.id);
      expect(await drive(task.id)).toEqual([null]);
      expect((await store.get('fake', task.id))!).toMatchObject({
        status: 'canceled',
        error: {
          code: 'needs_attention',
          detail: expect.stringContaining('The volume fake:v1 made before the cancel remains'),
        },
      });
    });

    it('should clean up and end canceled a create canceled before its backend made anything', async () => {
      const cleaned: string[] = [];
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('clone', async () => ({ status: 'wait', delayMs: 5 })),
          step('create', async () => ({ status: 'done', nativeId: 'x' }), false),
        ],
        onFailure: async (ctx) => void cleaned.push(ctx.taskId),
      });
      const task = await submit('server.create');
      await runner.run('fake', task.id);
      await canceler.cancel('fake', task.id);
      await drive(task.id);
      const done = (await store.get('fake', task.id))!;
      expect(done).toMatchObject({ status: 'canceled', error: null, resource: { id: null } });
      expect(done.steps.map((s) => s.status)).toEqual(['skipped', 'skipped']);
      expect(cleaned).toEqual([task.id]);
    });

    it('should resume an undo after a crash at the step it had reached', async () => {
      const calls: string[] = [];
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('create', async () => ({ status: 'done', nativeId: 'n11' }), false),
          waitStep('wait-ready'),
        ],
      });
      deletePlan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step(
            'delete',
            async () => {
              calls.push('delete');
              return { status: 'done' };
            },
            false,
          ),
          step('wait-gone', async () => {
            calls.push('wait');
            return { status: 'done' };
          }),
        ],
      });
      const task = await submit('server.create');
      await runner.run('fake', task.id);
      await canceler.cancel('fake', task.id);
      expect(await runner.run('fake', task.id)).toEqual({ delayMs: 0 }); // the undo phase begins, persisted
      // A worker died mid-call of the undo's delete: the next one resumes it, looking first.
      const loaded = (await store.getWithInternal('fake', task.id))!;
      loaded.internal.stepInFlight = true;
      await store.save(loaded.task, loaded.internal);
      const resumed: boolean[] = [];
      deletePlan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step(
            'delete',
            async (ctx) => {
              resumed.push(ctx.resumed);
              calls.push('delete');
              return { status: 'done' };
            },
            false,
          ),
          step('wait-gone', async () => {
            calls.push('wait');
            return { status: 'done' };
          }),
        ],
      });
      await drive(task.id);
      expect(resumed).toEqual([true]);
      expect(calls).toEqual(['delete', 'wait']);
      expect((await store.get('fake', task.id))!.status).toBe('canceled');
      expect(await ended(task.id, 'task.canceled')).toBe(1);
    });

    it('should end a task once: a second worker finds it ended and publishes nothing', async () => {
      plan = () => ({
        resourceType: ResourceType.Server,
        steps: [
          step('first', async () => ({ status: 'done' })),
          step('poll', async () => ({ status: 'wait', delayMs: 5 })),
          step('act', async () => ({ status: 'done' })),
        ],
      });
      const task = await start();
      await runner.run('fake', task.id);
      await canceler.cancel('fake', task.id);
      const stale = (await store.getWithInternal('fake', task.id))!;
      await drive(task.id);
      // A finish from a worker that loaded the task before it ended changes nothing.
      stale.task.status = 'failed' as never;
      expect(await store.finish(stale.task, stale.internal)).toEqual({ outcome: 'ended' });
      expect((await store.save(stale.task, stale.internal)).outcome).toBe('ended');
      expect((await store.get('fake', task.id))!.status).toBe('canceled');
      expect(await ended(task.id, 'task.canceled')).toBe(1);
    });
  });
});
