import Redis, { Cluster } from 'ioredis';
import { startRedisCluster, startSentinelSet } from '../support/redis-topology';

/** The topology harness itself: the suites and the bench build on it, so it is proven on its own first. */
describe('test topology harness', () => {
  it('starts a three-shard cluster that serves keys of different slots from different shards', async () => {
    const cluster = await startRedisCluster({ shards: 3 });
    const client = new Cluster(
      cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
      { lazyConnect: true },
    );
    try {
      expect(cluster.nodes.split(',')).toHaveLength(3);
      await client.connect();
      await Promise.all(Array.from({ length: 30 }, (_, i) => client.set(`gw:{c${i}}:probe`, String(i))));
      const counts = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
      expect(counts.filter((count) => count > 0).length).toBe(3);
      expect(await client.get('gw:{c7}:probe')).toBe('7');
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });

  it('starts a Sentinel set whose replica takes over when the primary is killed, keeping replicated data', async () => {
    const set = await startSentinelSet({ password: 'data-secret', sentinelPassword: 'sentinel-secret' });
    const client = new Redis({
      sentinels: set.sentinels.split(',').map((node) => {
        const [host, port] = node.split(':');
        return { host, port: Number(port) };
      }),
      name: set.name,
      password: 'data-secret',
      sentinelPassword: 'sentinel-secret',
      lazyConnect: true,
    });
    // While the primary is down the client reports its reconnect attempts as errors; the test reads results.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.set('before', 'kept');
      // Only acknowledged-by-the-replica writes survive a fail-over (asynchronous replication).
      expect(await client.wait(1, 2000)).toBe(1);
      expect(await set.currentPrimaryPort()).toBe(set.primaryPort);
      await set.killPrimary();
      const promoted = await set.failedOver();
      expect(promoted).toBe(set.replicaPort);
      expect(await client.get('before')).toBe('kept');
      await client.set('after', 'written');
      expect(await client.get('after')).toBe('written');
    } finally {
      client.disconnect();
      await set.stop();
    }
  });
});
