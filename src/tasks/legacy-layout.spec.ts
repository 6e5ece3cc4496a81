import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys, queues } from '../common/redis/keys';
import type { GatewayConfig } from '../config/gateway-config';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import {
  LAYOUT_VERSION,
  LEGACY_DELIVERY_QUEUE,
  LEGACY_OPERATIONS_QUEUE,
  LegacyLayout,
} from './legacy-layout';
import { TASK_DICTIONARY } from './task-dictionary';
import { TaskStore } from './task-store.service';

const OPEN_ID = '01JAAAAAAAAAAAAAAAAAAAAAA1';
const ENDED_ID = '01JAAAAAAAAAAAAAAAAAAAAAA0';
const WEBHOOK_ID = '01JBBBBBBBBBBBBBBBBBBBBBB1';
const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/** A task as the previous version stored it while open: public and internal JSON in one hash. */
function openTask(): Record<string, string> {
  const task = {
    id: OPEN_ID,
    provider: 'cm',
    providerKind: 'cloudmc',
    operation: 'server.start',
    status: 'running',
    resource: { type: 'server', id: 'cm:n1' },
    steps: [],
    createdAt: new Date().toISOString(),
  };
  return { public: JSON.stringify(task), internal: JSON.stringify({ stepIndex: 0, request: {} }) };
}

/**
 * The upgrade from the single-Redis layout (docs/design.md#redis-topology, "Upgrading"): what the previous version
 * wrote is found by the new code after one start, and nothing of the old layout is left behind.
 */
describe('LegacyLayout', () => {
  let server: EmbeddedRedis;
  let redis: Redis;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'layout-redis-')), binary });
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  async function writeLegacy(): Promise<void> {
    await redis.hset(`gw:task:${OPEN_ID}`, openTask());
    const ended = { ...JSON.parse(openTask().public), id: ENDED_ID, status: 'succeeded' };
    const packed = deflateRawSync(JSON.stringify(ended), { dictionary: TASK_DICTIONARY });
    await redis.hset(`gw:task:${ENDED_ID}`, 'packed', packed);
    await redis.expire(`gw:task:${ENDED_ID}`, 3600);
    await redis.zadd('gw:tasks:p:cm', 1, ENDED_ID, 2, OPEN_ID);
    await redis.sadd('gw:tasks:open', OPEN_ID);
    await redis.zadd('gw:tasks:r:cm:n1', 2, OPEN_ID);
    await redis.set('gw:lock:cm:n1', OPEN_ID, 'EX', 600);
    await redis.set(`gw:idem:admin:${digest('k-task')}`, `fp1|${OPEN_ID}`, 'EX', 600);
    await redis.set(`gw:idem:admin:${digest('k-hook')}`, `fp2|${WEBHOOK_ID}`, 'EX', 600);
    await redis.set(`gw:idem:admin:${digest('k-gone')}`, 'fp3|01JCCCCCCCCCCCCCCCCCCCCCC1', 'EX', 600);
    await redis.hset(`gw:wh:${WEBHOOK_ID}`, 'url', 'https://example.com/hook');
    await redis.sadd('gw:wh:all', WEBHOOK_ID);
    await redis.sadd('gw:wh:k:admin', WEBHOOK_ID);
    await redis.zadd(`gw:whds:${WEBHOOK_ID}`, 1, 'd1');
    await redis.hset(`gw:whd:${WEBHOOK_ID}:d1`, 'status', 'pending');
    await redis.set('gw:snap:cm:server', '{}');
    await redis.set('gw:gen:cm', '7');
    await redis.xadd('gw:events', '*', 'type', 'task.created');
    const ops = new Queue(LEGACY_OPERATIONS_QUEUE, { connection: redis, prefix: keys.bullPrefix() });
    await ops.add('run', { taskId: OPEN_ID }, { jobId: OPEN_ID, delay: 60_000 });
    await ops.close();
    const deliveries = new Queue(LEGACY_DELIVERY_QUEUE, { connection: redis, prefix: keys.bullPrefix() });
    await deliveries.add(
      'deliver',
      { webhookId: WEBHOOK_ID, deliveryId: 'd1' },
      { jobId: `${WEBHOOK_ID}-d1` },
    );
    await deliveries.close();
  }

  it('moves tasks, indexes, locks, idempotency records, webhooks and pending deliveries, and leaves no old key', async () => {
    await redis.flushall();
    await writeLegacy();
    const layout = new LegacyLayout(redis);
    expect(await layout.migrate()).toBeGreaterThan(0);

    // The new code reads what the old one wrote.
    const store = new TaskStore(redis, { tasks: { retentionHours: 24 } } as unknown as GatewayConfig);
    expect((await store.get('cm', OPEN_ID))?.status).toBe('running');
    expect(await store.openTaskIds('cm')).toEqual([OPEN_ID]);
    expect(await store.activeTaskIds(['cm:n1'])).toEqual([OPEN_ID]);
    expect(await redis.ttl(keys.resourceLock('cm:n1'))).toBeGreaterThan(0);
    expect(await redis.hkeys(keys.task('cm', ENDED_ID))).toEqual(['packed']);
    expect(await redis.ttl(keys.task('cm', ENDED_ID))).toBeGreaterThan(0);
    const page = await store.list({ providers: ['cm'] }, 10, null);
    expect(page.items.map((task) => [task.id, task.status])).toEqual([
      [OPEN_ID, 'running'],
      [ENDED_ID, 'succeeded'],
    ]);
    expect(await redis.zrange(keys.tasksByResource('cm:n1'), '0', '-1')).toEqual([OPEN_ID]);
    expect(await redis.get(keys.idempotencyOfDigest('cm', 'admin', digest('k-task')))).toBe(`fp1|${OPEN_ID}`);
    expect(await redis.get(keys.globalIdempotency('admin', 'k-hook'))).toBe(`fp2|${WEBHOOK_ID}`);
    expect(await redis.hget(keys.webhook(WEBHOOK_ID), 'url')).toBe('https://example.com/hook');
    expect(await redis.smembers(keys.webhooks())).toEqual([WEBHOOK_ID]);
    expect(await redis.smembers(keys.webhooksOfKey('admin'))).toEqual([WEBHOOK_ID]);
    expect(await redis.zrange(keys.webhookDeliveries(WEBHOOK_ID), '0', '-1')).toEqual(['d1']);
    expect(await redis.hget(keys.webhookDelivery(WEBHOOK_ID, 'd1'), 'status')).toBe('pending');
    const next = new Queue(queues.webhookDeliveries(), { connection: redis, prefix: keys.bullPrefix() });
    expect((await next.getJob(`${WEBHOOK_ID}-d1`))?.data).toEqual({
      webhookId: WEBHOOK_ID,
      deliveryId: 'd1',
    });
    await next.close();

    // Nothing of the old layout is left: every remaining key is tagged (or one of the untouched families).
    const left = (await redis.keys('gw:*')).filter(
      (key) => !key.startsWith('gw:{') && !key.includes('{_wh}') && key !== keys.layoutVersion(),
    );
    expect(left).toEqual([]);
    expect(await redis.get(keys.layoutVersion())).toBe(LAYOUT_VERSION);
  });

  it('runs once: a second start moves nothing, even if an old-looking key appears', async () => {
    await redis.flushall();
    await writeLegacy();
    const layout = new LegacyLayout(redis);
    await layout.migrate();
    await redis.set('gw:lock:cm:n2', 'x');
    expect(await layout.migrate()).toBe(0);
    expect(await redis.get('gw:lock:cm:n2')).toBe('x');
  });

  it('never overwrites what the new version already wrote (a process that served before the move)', async () => {
    await redis.flushall();
    await writeLegacy();
    await redis.set(keys.resourceLock('cm:n1'), 'NEWER');
    await redis.zadd(keys.tasksByProvider('cm'), 3, 'NEWTASK');
    await new LegacyLayout(redis).migrate();
    expect(await redis.get(keys.resourceLock('cm:n1'))).toBe('NEWER');
    expect(await redis.zrange(keys.tasksByProvider('cm'), '0', '-1')).toEqual([ENDED_ID, OPEN_ID, 'NEWTASK']);
  });
});
