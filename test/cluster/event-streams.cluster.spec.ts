import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiKeysService } from '../../src/common/auth/api-keys.service';
import { keys } from '../../src/common/redis/keys';
import type { GatewayConfig } from '../../src/config/gateway-config';
import { ResourceType } from '../../src/domain/states';
import { HistoryLog } from '../../src/tasks/history-log.service';
import { decodeChange, encodeChange } from '../../src/tasks/resource-change';
import type { TaskEvent } from '../../src/tasks/task-event';
import { TaskEvents } from '../../src/tasks/task-events.service';
import { StepStatus, TaskStatus, type Task } from '../../src/tasks/task.dto';
import type { TaskInternal } from '../../src/tasks/task-record';
import { newDelivery } from '../../src/webhooks/delivery-record';
import { DeliveryStore } from '../../src/webhooks/delivery-store.service';
import { deliveryIdOf, WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.service';
import type { DeliveryJobData, WebhookQueue } from '../../src/webhooks/webhook-queue';
import { WebhookStore } from '../../src/webhooks/webhook-store.service';
import type { WebhookRecord } from '../../src/webhooks/webhook';
import { startRedisCluster, type RedisClusterHandle } from '../support/redis-topology';

// Issue 16 (docs/design.md#redis-topology): the per-connection event and change streams, their fan-out readers,
// the history scripts and the webhook keys and dispatcher, on a three-shard Redis Cluster whose connections live on
// different shards. Every command the code sends must be legal there: one XREAD may not name streams of two slots,
// a script must declare its keys, all in one slot.

/** Connection names whose tags land on at least two of the three shards (checked below). */
const CONNECTIONS = ['a', 'b', 'c', 'd'];

const config = {
  providers: CONNECTIONS.map((name) => ({ name })),
  events: { retainEvents: 1_000 },
  history: { retentionDays: 1, maxEntries: 50 },
  webhooks: { deliveryRetentionHours: 1 },
} as unknown as GatewayConfig;

let seq = 0;
function task(provider: string, resourceId: string | null = null, status = TaskStatus.Running): Task {
  const now = new Date().toISOString();
  return {
    id: `01JCLUSTER${String(++seq).padStart(16, '0')}`,
    provider,
    operation: 'server.stop',
    status,
    progress: null,
    steps: [{ name: 'stop', status: StepStatus.Running }],
    providerStatus: null,
    resource: { type: ResourceType.Server, id: resourceId },
    result: status === TaskStatus.Succeeded ? { state: 'stopped' } : null,
    errorCode: null,
    createdAt: now,
    updatedAt: now,
  } as unknown as Task;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('event and change streams, history and webhooks on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  const clients: Cluster[] = [];
  let redis: Redis;
  let blocking: Redis;

  /** A client as the gateway makes them for a cluster (typed as Redis by the code that takes it). */
  const connect = () => {
    const client = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { enableAutoPipelining: true },
    );
    clients.push(client);
    return client as unknown as Redis;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster({ shards: 3 });
    redis = connect();
    blocking = connect();
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await cluster?.stop();
  });

  it("spreads the connections' streams over the shards", async () => {
    // First in the file: the cluster holds nothing else yet.
    await Promise.all(
      CONNECTIONS.map((name) => redis.set(keys.events(name).replace('events', 'probe'), '1')),
    );
    const sizes = await Promise.all(
      (redis as unknown as Cluster).nodes('master').map((node) => node.dbsize()),
    );
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThanOrEqual(2);
    await Promise.all(CONNECTIONS.map((name) => redis.del(keys.events(name).replace('events', 'probe'))));
  });

  it('publishes, pages and follows task events across shards', async () => {
    const events = new TaskEvents(redis, blocking, config);
    try {
      const before = await Promise.all(CONNECTIONS.map((name) => events.publish('task.created', task(name))));
      const seen: TaskEvent[] = [];
      const following = await events.follow((event) => seen.push(event));
      expect([...following.positions.values()]).toEqual(before);
      const after = await Promise.all(CONNECTIONS.map((name) => events.publish('task.updated', task(name))));
      await until('every live event', () => (seen.length === CONNECTIONS.length ? true : undefined));
      expect(seen.map((e) => e.id).sort()).toEqual([...after].sort());
      const page = await events.range(following.positions, 10);
      expect(page.map((e) => e.provider).sort()).toEqual([...CONNECTIONS].sort());
      expect(await events.range('0-0', 100)).toHaveLength(2 * CONNECTIONS.length);
      following.stop();
    } finally {
      events.onApplicationShutdown();
    }
  });

  it('writes history entries and observed changes with scripts that stay in one slot', async () => {
    const log = new HistoryLog(redis, config);
    for (const name of CONNECTIONS) {
      const watch = () => log.watch(name, ResourceType.Server)!;
      await watch().list(
        [{ nativeId: 's1', state: 'running' } as never, { nativeId: 's2', state: 'running' } as never],
        true,
      );
      await log.taskEnded(task(name, `${name}:s1`, TaskStatus.Succeeded), {
        fromState: 'running',
      } as TaskInternal);
      // Another process: a full read that sees s1 running again (a change) and s2 gone.
      await new HistoryLog(redis, config)
        .watch(name, ResourceType.Server)!
        .list([{ nativeId: 's1', state: 'running' } as never], true);
      const entries = (await log.page(name, ResourceType.Server, 's1', null, 10)).entries;
      expect(entries.map((e) => [e.source, e.toState])).toEqual([
        ['observed', 'running'],
        ['gateway', 'stopped'],
      ]);
      const changes = ((await redis.xrange(keys.changes(name), '-', '+')) as Array<[string, string[]]>).map(
        ([id, fields]) => decodeChange(id, fields),
      );
      expect(changes.map((c) => [c?.resource.id, c?.toState])).toEqual([
        [`${name}:s1`, 'running'],
        [`${name}:s2`, 'deleted'],
      ]);
    }
  });

  it('keeps webhooks and deliveries in their own slot, and dispatches every connection', async () => {
    const webhooks = new WebhookStore(redis);
    const deliveries = new DeliveryStore(redis, config);
    const now = new Date().toISOString();
    const record: WebhookRecord = {
      id: '01JCLUSTERWEBHOOK000000000',
      keyName: 'ops',
      url: 'https://example.com/hook',
      events: ['*'],
      providers: null,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      failureStreak: 0,
      createdAt: now,
      updatedAt: now,
    };
    const idem = { key: 'create-1', fingerprint: 'f', ttlSeconds: 60 };
    expect(await webhooks.create(record, 'sealed', 5, idem)).toEqual({ kind: 'created' });
    expect(await webhooks.create({ ...record, id: '01JCLUSTERWEBHOOK000000001' }, 'sealed', 5, idem)).toEqual(
      {
        kind: 'replay',
        id: record.id,
        sameRequest: true,
      },
    );
    expect(await webhooks.create({ ...record, id: '01JCLUSTERWEBHOOK000000002' }, 'sealed', 5)).toEqual({
      kind: 'created',
    });
    expect((await webhooks.all()).map((w) => w.id)).toEqual(['01JCLUSTERWEBHOOK000000002', record.id]);
    await webhooks.delete({ ...record, id: '01JCLUSTERWEBHOOK000000002' });

    const jobs: DeliveryJobData[] = [];
    const queue = {
      enqueue: async (data: DeliveryJobData) => void jobs.push(data),
    } as unknown as WebhookQueue;
    const apiKeys = { current: () => ({ caller: { canSee: () => true } }) } as unknown as ApiKeysService;
    const logger = { warn: () => undefined } as unknown as Logger;
    const dispatcher = new WebhookDispatcher(blocking, config, webhooks, deliveries, queue, apiKeys, logger);
    dispatcher.onApplicationBootstrap();
    try {
      // The groups are made from the streams' ends: wait for them before publishing.
      await until('the dispatch groups', async () => {
        const made = await Promise.all(
          CONNECTIONS.flatMap((n) => [keys.events(n), keys.changes(n)]).map((key) =>
            redis.xinfo('GROUPS', key).then(
              (groups) => (groups as unknown[]).length > 0,
              () => false,
            ),
          ),
        );
        return made.every(Boolean) ? true : undefined;
      });
      const events = new TaskEvents(redis, blocking, config);
      const expected: string[] = [];
      for (const name of CONNECTIONS) {
        const entry = await events.publish('task.succeeded', task(name));
        expected.push(deliveryIdOf({ connection: name, kind: 'events' }, entry));
        const change = await redis.xadd(
          keys.changes(name),
          '*',
          ...encodeChange({
            provider: name,
            resource: { type: ResourceType.Server, id: `${name}:console` },
            fromState: 'running',
            toState: 'stopped',
            observedAt: now,
          }),
        );
        expected.push(deliveryIdOf({ connection: name, kind: 'changes' }, change!));
      }
      await until('a job per event', () => (jobs.length >= expected.length ? true : undefined));
      expect(jobs.map((j) => j.deliveryId).sort()).toEqual([...expected].sort());
      // Each delivery record stored beside the webhook; every entry acknowledged.
      const page = await deliveries.page(record.id, 50, null);
      expect(page.items.map((d) => d.id).sort()).toEqual([...expected].sort());
      for (const name of CONNECTIONS) {
        const [pending] = (await redis.xpending(keys.events(name), 'webhooks')) as [number];
        expect(pending).toBe(0);
      }
      await deliveries.create(
        newDelivery({ id: 't1', webhookId: record.id, eventId: 't1', eventType: 'webhook.test' }, new Date()),
      );
      await deliveries.deleteAll(record.id);
      expect((await deliveries.page(record.id, 50, null)).items).toEqual([]);
    } finally {
      await dispatcher.onApplicationShutdown();
    }
  });
});
