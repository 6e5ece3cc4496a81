import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { findRedisBinary, startEmbeddedRedis } from '../../sandbox/embedded-redis';
import { startRedisCluster } from '../../test/support/redis-topology';

export type RedisTopology = 'single' | 'cluster';

/** The Redis the bench's gateway runs on, and what the bench needs to measure it. */
export interface RedisTarget {
  topology: RedisTopology;
  /** `redis://…` or `host:port,…`, for the results. */
  address: string;
  /** Environment of the gateway processes: `REDIS_URL` or `REDIS_CLUSTER_NODES` (docs/design.md#redis-topology). */
  env: Record<string, string>;
  /**
   * One client per data node: INFO, SCAN and MEMORY USAGE answer for the node's own keys only, so on a cluster
   * every figure is a sum over the nodes.
   */
  nodes: Redis[];
  /** A client that reaches any key (a Cluster client on a cluster). */
  client: Redis | Cluster;
  stop(): Promise<void>;
}

/** The gateway processes must see one topology only: the bench's own environment may name another. */
export const TOPOLOGY_VARIABLES = [
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
];

/**
 * One `redis-server` (`single`), or a local three-shard Redis Cluster of plain `redis-server --cluster-enabled
 * yes` processes on loopback made by `redis-cli --cluster create` (`cluster`, test/support/redis-topology.ts).
 */
export async function startRedisTarget(topology: RedisTopology): Promise<RedisTarget> {
  if (topology === 'cluster') {
    const cluster = await startRedisCluster({ shards: 3 });
    const nodes = cluster.ports.map((port) => new Redis({ host: '127.0.0.1', port, lazyConnect: false }));
    const client = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { enableAutoPipelining: true },
    );
    return {
      topology,
      address: cluster.nodes,
      env: { REDIS_CLUSTER_NODES: cluster.nodes },
      nodes,
      client,
      async stop() {
        client.disconnect();
        nodes.forEach((node) => node.disconnect());
        await cluster.stop();
      },
    };
  }
  const redis = await startEmbeddedRedis({
    dir: mkdtempSync(join(tmpdir(), 'cloudmux-bench-redis-')),
    binary: findRedisBinary({ install: false, searchPath: process.env.PATH ?? '', log: () => undefined }),
  });
  const client = new Redis(redis.url, { enableAutoPipelining: true });
  return {
    topology,
    address: redis.url,
    env: { REDIS_URL: redis.url },
    nodes: [client],
    client,
    async stop() {
      client.disconnect();
      await redis.stop();
    },
  };
}

/** `used_memory` summed over the data nodes. */
export async function usedMemory(target: RedisTarget): Promise<number> {
  const each = await Promise.all(
    target.nodes.map(async (node) => Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? 0)),
  );
  return each.reduce((a, b) => a + b, 0);
}

/** Every key of every node, with its node (SCAN may name a key twice: each is kept once). */
export async function scanKeys(
  target: RedisTarget,
  match = '*',
): Promise<Array<{ node: Redis; keys: string[] }>> {
  return Promise.all(
    target.nodes.map(async (node) => {
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        found.forEach((key) => seen.add(key));
      } while (cursor !== '0');
      return { node, keys: [...seen] };
    }),
  );
}

/** How many keys each node holds (DBSIZE), to show that the connections spread over the shards. */
export async function keysPerNode(target: RedisTarget): Promise<number[]> {
  return Promise.all(target.nodes.map((node) => node.dbsize()));
}
