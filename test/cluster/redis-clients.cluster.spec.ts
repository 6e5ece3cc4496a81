import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { readEnv } from '../../src/config/env';
import type { GatewayConfig } from '../../src/config/gateway-config';
import { redisPersistence } from '../../src/common/redis/redis-persistence';
import {
  bullConnection,
  clusterOf,
  closeBullConnections,
  createRedisClient,
  redisSettings,
} from '../../src/common/redis/redis-topology';
import { requestClientOptions } from '../../src/common/redis/redis.options';
import { keys, queues } from '../../src/common/redis/keys';
import { startRedisCluster, startSentinelSet } from '../support/redis-topology';

/**
 * The gateway's own clients on live topologies with credentials (docs/design.md#redis-topology): what the
 * variables say reaches the servers, per-server commands visit every primary, and BullMQ runs a connection's
 * queue in that connection's slot.
 */
const timeouts = { commandTimeoutMs: 2_000, connectTimeoutMs: 2_000 };

async function roundTrip(config: GatewayConfig, connection: string): Promise<string> {
  const name = queues.operations(connection);
  const queue = new Queue(name, { connection: bullConnection(config), prefix: keys.bullPrefix() });
  const done = new Promise<string>((resolve, reject) => {
    const worker = new Worker(name, async (job) => `ran ${String(job.data.taskId)}`, {
      connection: bullConnection(config),
      prefix: keys.bullPrefix(),
    });
    worker.on('completed', (_job, result: string) => void worker.close().then(() => resolve(result)));
    worker.on('failed', (_job, error) => void worker.close().then(() => reject(error)));
  });
  try {
    await queue.add('op', { taskId: 't-1' }, { jobId: 't-1' });
    return await done;
  } finally {
    await queue.close();
  }
}

describe("the gateway's Redis clients on a cluster and under Sentinel, with passwords (cluster)", () => {
  it('should reach a password-protected cluster, read INFO of every primary, and run BullMQ in the connection slot', async () => {
    const cluster = await startRedisCluster({ shards: 3, password: 'cluster-secret' });
    const config = {
      env: readEnv({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PASSWORD: 'cluster-secret' }),
    } as GatewayConfig;
    const client: Redis = createRedisClient(redisSettings(config), requestClientOptions(timeouts), 'gateway');
    client.on('error', () => undefined);
    try {
      await Promise.all(['a', 'b', 'c', 'd', 'e'].map((c) => client.set(keys.generation(c), c)));
      expect(await client.get(keys.generation('d'))).toBe('d');
      expect(clusterOf(client)).toBeDefined();
      // INFO of each primary: none has AOF here, and every one was asked.
      expect(await redisPersistence(client)).toBe('no-aof');
      expect(await roundTrip(config, 'cm-a')).toBe('ran t-1');
      const slot = await client.cluster('KEYSLOT', 'cm-a');
      const bullKeys = await Promise.all(
        clusterOf(client)!
          .nodes('master')
          .map((node) => node.keys(`${keys.bullPrefix()}:*`)),
      );
      const found = bullKeys.flat();
      expect(found.length).toBeGreaterThan(0);
      for (const key of found) expect([key, await client.cluster('KEYSLOT', key)]).toEqual([key, slot]);
    } finally {
      await closeBullConnections(config);
      client.disconnect();
      await cluster.stop();
    }
  });

  it('should find the primary through password-protected sentinels and run BullMQ there', async () => {
    const set = await startSentinelSet({ password: 'data-secret', sentinelPassword: 'sentinel-secret' });
    const config = {
      env: readEnv({
        REDIS_SENTINELS: set.sentinels,
        REDIS_SENTINEL_NAME: set.name,
        REDIS_PASSWORD: 'data-secret',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      }),
    } as GatewayConfig;
    const client = createRedisClient(redisSettings(config), requestClientOptions(timeouts), 'gateway');
    client.on('error', () => undefined);
    try {
      await client.set('probe', 'through-sentinel');
      expect(await client.get('probe')).toBe('through-sentinel');
      expect(clusterOf(client)).toBeUndefined();
      expect(await client.config('GET', 'port')).toEqual(['port', String(set.primaryPort)]);
      expect(await roundTrip(config, 'cm-a')).toBe('ran t-1');
    } finally {
      client.disconnect();
      await set.stop();
    }
  });

  it('should refuse a wrong password with the server', async () => {
    const cluster = await startRedisCluster({ shards: 3, password: 'cluster-secret' });
    const config = {
      env: readEnv({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PASSWORD: 'wrong' }),
    } as GatewayConfig;
    const client = createRedisClient(redisSettings(config), requestClientOptions(timeouts), 'gateway');
    const errors: string[] = [];
    client.on('error', (error: Error) => errors.push(error.message));
    try {
      await expect(client.get('anything')).rejects.toThrow();
      expect(errors.join(' ')).toMatch(/WRONGPASS|invalid username-password|NOAUTH|refresh slots/i);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
