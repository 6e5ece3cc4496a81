import { Type } from '@sinclair/typebox';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotCache } from '../cache/snapshot-cache.service';
import { MetricsService } from '../common/metrics/metrics.service';
import { keys } from '../common/redis/keys';
import { readEnv } from '../config/env';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config';
import { ProviderKind, ResourceType } from '../domain/states';
import type { OperationPlan } from '../providers/ports/operation-plan';
import type { OperationRequest } from '../providers/ports/operations';
import { SECRET_OPTION, type ProviderAdapter } from '../providers/ports/provider-adapter';
import { Connection } from '../providers/registry/connection';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { GatewayReads } from './gateway-reads';
import { HistoryLog } from './history-log.service';
import { LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';
import { OperationRunner } from './operation-runner.service';
import { TaskEvents } from './task-events.service';
import { TaskIntake } from './task-intake.service';
import type { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';

/**
 * Secrets of a running task through the store, against a real Redis: sealed in the record, opened for the worker
 * only, dropped at the end; and a key rotation with and without the old key kept.
 */
describe('TaskStore with task secrets', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let blocking: Redis;
  const PASSWORD = `r00t-${randomBytes(12).toString('base64url')}`;
  const newKey = () => randomBytes(32).toString('base64');
  /** Passwords the fake backend was given by the plans it built. */
  const installedWith: unknown[] = [];

  const native: ProviderAdapter = {
    name: 'fake',
    kind: ProviderKind.Dcimanager,
    optionSchemas: {
      'server.create': Type.Object({
        password: Type.Optional(Type.String({ ...SECRET_OPTION })),
        hddRaid: Type.Optional(Type.String()),
      }),
    },
    servers: {
      list: async () => [] as never,
      get: async () =>
        ({
          nativeId: 'n1',
          name: 'metal',
          state: 'running',
          ipAddresses: [],
          volumeIds: [],
          networkIds: [],
          extra: {},
        }) as never,
    },
    plans: {
      // As a real adapter: reads the options when it plans, and sends them in a step.
      'server.create': (request: OperationRequest<'server.create'>): OperationPlan => {
        const { password } = request.input.providerOptions as { password?: string };
        return {
          resourceType: ResourceType.Server,
          steps: [
            {
              name: 'install',
              run: async () => {
                installedWith.push(password);
                return { status: 'done', nativeId: 'n1' };
              },
            },
          ],
        };
      },
    },
    probe: async () => undefined,
  };
  const adapter = new Connection(native, { name: 'fake', kind: 'dcimanager' } as ConnectionConfig);

  const configWith = (tasks: Record<string, unknown>) =>
    ({
      env: readEnv({}),
      tasks: { retentionHours: 24, defaultDeadlineSeconds: 60, ...tasks },
      cache: { freshMs: 1000, staleMs: 60_000 },
      events: { retainEvents: 1000 },
      providers: [],
    }) as unknown as GatewayConfig;

  /** An API process (intake) and a worker (runner), each with its own config, on one Redis. */
  function gateway(apiTasks: Record<string, unknown>, workerTasks: Record<string, unknown>) {
    const apiConfig = configWith(apiTasks);
    const workerConfig = configWith(workerTasks);
    const events = new TaskEvents(redis, blocking, apiConfig);
    const intake = new TaskIntake(
      new TaskStore(redis, apiConfig),
      { enqueue: async () => undefined } as unknown as TaskQueue,
      events,
      redis,
      apiConfig,
    );
    const store = new TaskStore(redis, workerConfig);
    const runner = new OperationRunner(
      store,
      new ProviderRegistry([adapter]),
      events,
      new SnapshotCache(redis, workerConfig),
      new MetricsService(),
      new LabelStore(redis),
      new PublicKeyStore(redis),
      new GatewayReads(new LabelStore(redis), new PublicKeyStore(redis)),
      new HistoryLog(redis, workerConfig),
    );
    const create = async () =>
      (
        await intake.submit({
          adapter,
          operation: 'server.create',
          target: null,
          resourceId: null,
          input: {
            name: 'metal',
            providerOptions: { password: PASSWORD, hddRaid: 'raid_1' },
          } as never,
          idempotency: null,
          requestId: 'r',
          actor: 'test-key',
        })
      ).task;
    const drive = async (taskId: string) => {
      for (let i = 0; i < 20; i++) if (!(await runner.run('fake', taskId))) return store.get('fake', taskId);
      throw new Error('task did not end');
    };
    return { create, drive, store };
  }

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    redisServer = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'secrets-redis-')), binary });
    redis = new Redis(redisServer.url);
    blocking = new Redis(redisServer.url);
  });

  beforeEach(() => {
    installedWith.length = 0;
  });

  afterAll(async () => {
    redis.disconnect();
    blocking.disconnect();
    await redisServer.stop();
  });

  it('should store the secret sealed only, hand it to the plan in clear, and keep nothing of it once the task ended', async () => {
    const key = newKey();
    const { create, drive, store } = gateway({ secretKey: key }, { secretKey: key });
    const task = await create();
    const stored = await redis.hget(keys.task(task.provider, task.id), 'internal');
    expect(stored).not.toContain(PASSWORD);
    expect(JSON.parse(stored!)).toMatchObject({
      request: { input: { name: 'metal', providerOptions: { hddRaid: 'raid_1' } } },
      secrets: [{ path: ['providerOptions', 'password'], sealed: expect.stringMatching(/^v1\./) }],
    });
    const loaded = await store.getWithInternal('fake', task.id);
    expect(loaded!.internal.request.input).toMatchObject({ providerOptions: { password: PASSWORD } });

    expect(await drive(task.id)).toMatchObject({ status: 'succeeded' });
    expect(installedWith).toEqual([PASSWORD]);
    expect(await redis.hkeys(keys.task(task.provider, task.id))).toEqual(['packed']);
  });

  it('should finish tasks sealed before a key rotation when the old key is kept in previousSecretKeys', async () => {
    const [oldKey, key] = [newKey(), newKey()];
    const { create, drive } = gateway(
      { secretKey: oldKey },
      { secretKey: key, previousSecretKeys: [oldKey] },
    );
    const task = await create();
    expect(await drive(task.id)).toMatchObject({ status: 'succeeded' });
    expect(installedWith).toEqual([PASSWORD]);
  });

  it('should fail a task whose secret cannot be decrypted with a clear problem, without running it secret-less', async () => {
    const { create, drive } = gateway({ secretKey: newKey() }, { secretKey: newKey() });
    const task = await create();
    const failed = await drive(task.id);
    expect(failed).toMatchObject({
      status: 'failed',
      error: {
        code: 'internal',
        detail: expect.stringMatching(/secret input could not be decrypted.*tasks\.previousSecretKeys/),
      },
    });
    expect(JSON.stringify(failed)).not.toContain(PASSWORD);
    expect(installedWith).toEqual([]);
    expect(await redis.hkeys(keys.task(task.provider, task.id))).toEqual(['packed']);
  });

  it('should fail the same way when the sealed value was altered in Redis', async () => {
    const key = newKey();
    const { create, drive } = gateway({ secretKey: key }, { secretKey: key });
    const task = await create();
    const internal = JSON.parse((await redis.hget(keys.task(task.provider, task.id), 'internal'))!) as {
      secrets: Array<{ sealed: string }>;
    };
    const sealed = internal.secrets[0].sealed;
    internal.secrets[0].sealed = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    await redis.hset(keys.task(task.provider, task.id), 'internal', JSON.stringify(internal));
    expect(await drive(task.id)).toMatchObject({
      status: 'failed',
      error: { code: 'internal', detail: expect.stringContaining('altered or belongs to another task') },
    });
    expect(installedWith).toEqual([]);
  });
});
