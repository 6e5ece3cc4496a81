import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { ProviderError, ProviderUnavailableError } from '../common/errors/gateway-error';
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
import { TaskEvents } from './task-events.service';
import { TaskIntake } from './task-intake.service';
import type { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';

/** The runner against a real Redis, with a fake adapter whose plans the tests script. */
describe('OperationRunner', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let blocking: Redis;
  let runner: OperationRunner;
  let intake: TaskIntake;
  let store: TaskStore;
  let plan: () => OperationPlan;
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
        'server.delete': () => plan(),
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
      providers: [],
    } as unknown as GatewayConfig;
    store = new TaskStore(redis, config);
    const events = new TaskEvents(redis, blocking, config);
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
      new HistoryLog(),
    );
    intake = new TaskIntake(
      store,
      { enqueue: async () => undefined } as unknown as TaskQueue,
      events,
      redis,
      config,
    );
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
      const result = await runner.run(taskId);
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
    const done = (await store.get(task.id))!;
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
    expect((await store.get(task.id))!.status).toBe('succeeded');
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
    expect((await store.get(task.id))!.status).toBe('succeeded');
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
    const failed = (await store.get(task.id))!;
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
    expect((await store.get(task.id))!.status).toBe('succeeded');
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
    expect((await store.get(task.id))!).toMatchObject({
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
          statusDuringStep = (await store.get(ctx.taskId))?.status;
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
    expect((await store.get(task.id))!).toMatchObject({
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
    expect((await store.get(task.id))!).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
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
    expect((await store.get(task.id))!.status).toBe('succeeded');
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
    const failed = (await store.get(task.id))!;
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
      expect((await store.get(task.id))!).toMatchObject({
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
      expect((await store.get(task.id))!.result).toMatchObject({ labels: {} });
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
      expect((await store.get(task.id))!.status).toBe('failed');
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
      expect((await store.get(task.id))!).toMatchObject({ status: 'succeeded', result: null });
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
      expect((await store.get(task.id))!.result).toMatchObject({ nativeId: 'n1', labels: { team: 'web' } });
    });
  });
});
