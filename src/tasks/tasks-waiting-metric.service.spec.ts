import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsService } from '../common/metrics/metrics.service';
import { keys } from '../common/redis/keys';
import type { GatewayConfig } from '../config/gateway-config';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { TASKS_WAITING_METRIC, TasksWaitingMetric } from './tasks-waiting-metric.service';

const config = { providers: [{ name: 'c1' }, { name: 'c2' }, { name: 'idle' }] } as unknown as GatewayConfig;

/** The gauge's series as Prometheus would read them: provider → value. */
async function scrape(metrics: MetricsService): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric(TASKS_WAITING_METRIC)!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.provider), v.value]));
}

describe('TasksWaitingMetric (docs/design.md#running-it)', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    redisServer = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'waiting-redis-')), binary });
    redis = new Redis(redisServer.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await redisServer.stop();
  });

  it('counts, per connection, the tasks still open, not the ended ones kept for reading', async () => {
    await redis.flushall();
    // c1: three tasks, two open; c2: one open; idle: one ended task only.
    await redis.zadd(keys.tasksByProvider('c1'), 1, 't1', 2, 't2', 3, 't3');
    await redis.zadd(keys.tasksByProvider('c2'), 4, 't4');
    await redis.zadd(keys.tasksByProvider('idle'), 5, 't5');
    await redis.sadd(keys.openTasks('c1'), 't1', 't3');
    await redis.sadd(keys.openTasks('c2'), 't4');
    const metrics = new MetricsService();
    new TasksWaitingMetric(metrics, redis, config);

    expect(await scrape(metrics)).toEqual({ c1: 2, c2: 1, idle: 0 });
    expect(await metrics.registry.metrics()).toContain(`${TASKS_WAITING_METRIC}{provider="c1"} 2`);

    // Read again at every scrape: a task that ended leaves the count.
    await redis.srem(keys.openTasks('c1'), 't1');
    expect(await scrape(metrics)).toEqual({ c1: 1, c2: 1, idle: 0 });
  });

  it('drops its series while Redis cannot answer, so a stale count never drives scaling', async () => {
    await redis.flushall();
    await redis.zadd(keys.tasksByProvider('c1'), 1, 't1');
    await redis.sadd(keys.openTasks('c1'), 't1');
    const client = new Redis(redisServer.url);
    const metrics = new MetricsService();
    new TasksWaitingMetric(metrics, client, config);
    expect((await scrape(metrics)).c1).toBe(1);

    client.disconnect();
    expect(await scrape(metrics)).toEqual({});
    // The scrape itself still answers (the rest of /metrics is served).
    expect(await metrics.registry.metrics()).toContain('gateway_tasks_finished_total');
  });
});
