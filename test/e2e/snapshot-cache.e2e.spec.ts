import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import { SnapshotCache } from '../../src/cache/snapshot-cache.service';
import type { GatewayConfig } from '../../src/config/gateway-config';
import { listed } from '../../src/providers/kit/wire';
import { workerRedisUrl } from '../support/gateway';

// Two SnapshotCache instances on one Redis are two gateway processes (an api and a worker).
describe('SnapshotCache across processes', () => {
  const config = { cache: { freshMs: 60_000, staleMs: 600_000, maxValueBytes: 65_536 } } as GatewayConfig;
  const apiRedis = new Redis(workerRedisUrl());
  const workerRedis = new Redis(workerRedisUrl());
  const api = new SnapshotCache(apiRedis, config);
  const worker = new SnapshotCache(workerRedis, config);
  afterAll(async () => {
    await apiRedis.quit();
    await workerRedis.quit();
  });

  it('should serve a fresh list without the backend, and show a task ended in another process at once', async () => {
    const connection = `conn-${Date.now()}`;
    let loads = 0;
    const backend = [{ nativeId: 'a', name: 'one' }];
    const load = async () => {
      loads++;
      return listed(backend.map((item) => ({ ...item })));
    };
    expect((await api.list(connection, 'server', load, 1_000)).value).toEqual([
      { nativeId: 'a', name: 'one' },
    ]);
    expect((await api.list(connection, 'server', load, 1_000)).value).toHaveLength(1);
    expect(loads).toBe(1);

    await worker.taskEnded(connection, 'server', 'b', { nativeId: 'b', name: 'two' });
    const after = await api.list(connection, 'server', load, 1_000);
    expect(after.value.map((item) => item.nativeId)).toEqual(['a', 'b']);
    expect(loads).toBe(1);

    await worker.taskEnded(connection, 'server', 'a', null);
    expect((await api.list(connection, 'server', load, 1_000)).value.map((item) => item.nativeId)).toEqual([
      'b',
    ]);
  });

  it('should keep the parsed snapshot in the process while the generation stands, and reload once it moves', async () => {
    const connection = `conn-${Date.now()}-2`;
    let loads = 0;
    const load = async () => {
      loads++;
      return listed([{ nativeId: `n${loads}` }]);
    };
    await api.list(connection, 'network', load, 1_000);
    await apiRedis.del(keys.snapshot(connection, 'network'));
    expect((await api.list(connection, 'network', load, 1_000)).value).toEqual([{ nativeId: 'n1' }]);
    await workerRedis.incr(keys.generation(connection));
    expect((await api.list(connection, 'network', load, 1_000)).value).toEqual([{ nativeId: 'n2' }]);
    expect((await api.list(connection, 'network', load, 1_000, true)).value).toEqual([{ nativeId: 'n3' }]);
  });

  it('should keep what the adapter left out with the snapshot, and serve a value over maxValueBytes without caching it', async () => {
    const connection = `conn-${Date.now()}-3`;
    const skipped = [{ nativeId: 'bad', reason: 'not a test item: /name: Expected string' }];
    await api.list(connection, 'volume', async () => listed([{ nativeId: 'ok' }], skipped), 1_000);
    const again = await worker.list(
      connection,
      'volume',
      () => Promise.reject(new Error('not called')),
      1_000,
    );
    expect(again).toMatchObject({ skippedCount: 1, skipped, value: [{ nativeId: 'ok' }] });

    const huge = Array.from({ length: 2_000 }, (_, i) => ({ nativeId: `v${i}`, name: 'x'.repeat(40) }));
    const read = await api.list(connection, 'ip', async () => listed(huge), 1_000);
    expect(read.value).toHaveLength(2_000);
    expect(await apiRedis.exists(keys.snapshot(connection, 'ip'))).toBe(0);
  });
});
