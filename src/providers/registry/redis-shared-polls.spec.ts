import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderUnavailableError } from '../../common/errors/gateway-error';
import { keys } from '../../common/redis/keys';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../../sandbox/embedded-redis';
import { RedisSharedPolls } from './redis-shared-polls';

// Two RedisSharedPolls on one real Redis stand for two worker processes (docs/design.md#coalesced-polling). The
// tick is driven by an injected clock: nothing here depends on how fast the machine is.

const TICK = 1_000;

/** A list call whose answer the test releases. */
function gated<T>(items: T[]) {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  const load = jest.fn(async () => {
    await gate;
    return items;
  });
  return { load, open, fail };
}

describe('RedisSharedPolls (two processes, one Redis)', () => {
  let server: EmbeddedRedis;
  let redis: Redis;
  let now: number;
  let connection: string;
  let names = 0;
  const clock = () => now;
  const processes = (options: { leaseMs?: number; maxWaitMs?: number } = {}) =>
    [1, 2].map(() => new RedisSharedPolls(redis, connection, { clock, ...options }));

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'shared-polls-redis-')), binary });
    // As the gateway's clients: commands of one turn go out as one pipeline.
    redis = new Redis(server.url, { enableAutoPipelining: true });
  });

  beforeEach(() => {
    now = 1_700_000_000_000;
    connection = `polls-${++names}`;
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('should answer concurrent reads of both processes with one list call per tick', async () => {
    const [a, b] = processes();
    const loadA = jest.fn(async () => [{ id: 'x', state: 'starting' }]);
    const loadB = jest.fn(async () => [{ id: 'x', state: 'starting' }]);
    const reads = () =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 ? a.list('servers', TICK, loadA) : b.list('servers', TICK, loadB),
        ),
      );

    const first = await reads();
    expect(loadA.mock.calls.length + loadB.mock.calls.length).toBe(1);
    expect(new Set(first.map((list) => list.at))).toEqual(new Set([now]));
    expect(first.every((list) => list.items[0].state === 'starting')).toBe(true);

    now += TICK - 1; // still within the tick: no call
    await reads();
    expect(loadA.mock.calls.length + loadB.mock.calls.length).toBe(1);

    now += 1; // the next tick
    const second = await reads();
    expect(loadA.mock.calls.length + loadB.mock.calls.length).toBe(2);
    expect(new Set(second.map((list) => list.at))).toEqual(new Set([now]));
  });

  it('should serve the other process the list it stored, parsed once per process, with one Redis read', async () => {
    const [a, b] = processes();
    await a.list('servers', TICK, async () => [{ id: 'x' }, { id: 'y' }]);
    const calls = jest.spyOn(redis as unknown as { evalshaBuffer: () => unknown }, 'evalshaBuffer');
    const loadB = jest.fn(async () => [] as Array<{ id: string }>);
    const seen = await Promise.all(Array.from({ length: 10 }, () => b.list('servers', TICK, loadB)));
    expect(loadB).not.toHaveBeenCalled();
    expect(calls).toHaveBeenCalledTimes(1);
    expect(seen[0].items).toEqual([{ id: 'x' }, { id: 'y' }]);
    expect(seen.every((list) => list === seen[0])).toBe(true);
    expect(await b.list('servers', TICK, loadB)).toBe(seen[0]);
    calls.mockRestore();
  });

  it("should let a process wait for another's list call rather than call the backend too", async () => {
    const [a, b] = processes();
    const slow = gated([{ id: 'x' }]);
    const loadB = jest.fn(async () => [{ id: 'other' }]);
    const listedByA = a.list('volumes', TICK, slow.load);
    await waitFor(async () => (await redis.get(keys.pollLease(connection, 'volumes'))) !== null);
    const listedByB = b.list('volumes', TICK, loadB);
    slow.open();
    expect((await listedByB).items).toEqual([{ id: 'x' }]);
    expect((await listedByA).items).toEqual([{ id: 'x' }]);
    expect(slow.load).toHaveBeenCalledTimes(1);
    expect(loadB).not.toHaveBeenCalled();
  });

  it('should list in place of a lease holder that died, once its lease lapsed', async () => {
    const [, b] = processes();
    const lease = keys.pollLease(connection, 'servers');
    // A holder that died mid-call: nobody renews its lease, nobody stores its list.
    await redis.set(lease, 'dead-process', 'PX', 300);
    const holders: Array<string | null> = [];
    const loadB = jest.fn(async () => {
      holders.push(await redis.get(lease));
      return [{ id: 'x' }];
    });
    expect((await b.list('servers', TICK, loadB)).items).toEqual([{ id: 'x' }]);
    expect(loadB).toHaveBeenCalledTimes(1);
    expect(holders[0]).not.toBe('dead-process');
  });

  it('should let another process list when the holder’s list call failed', async () => {
    const [a, b] = processes();
    const failing = gated<{ id: string }>([]);
    const loadB = jest.fn(async () => [{ id: 'x' }]);
    const listedByA = a.list('servers', TICK, failing.load);
    await waitFor(async () => (await redis.get(keys.pollLease(connection, 'servers'))) !== null);
    const listedByB = b.list('servers', TICK, loadB);
    failing.fail(new Error('backend down'));
    await expect(listedByA).rejects.toThrow('backend down');
    expect((await listedByB).items).toEqual([{ id: 'x' }]);
    expect(loadB).toHaveBeenCalledTimes(1);
  });

  it('should store a large list deflated and read it back whole', async () => {
    const [a, b] = processes();
    const items = Array.from({ length: 5_000 }, (_, i) => ({ id: `server-${i}`, state: 'running' }));
    await a.list('servers', TICK, async () => items);
    const body = await redis.hgetBuffer(keys.pollSnapshot(connection, 'servers'), 'body');
    expect(body![0]).toBe('z'.charCodeAt(0));
    expect(body!.length).toBeLessThan(JSON.stringify(items).length / 4);
    expect((await b.list('servers', TICK, async () => [])).items).toEqual(items);
  });

  it('should never put an older list in place of a newer one', async () => {
    const [a, b] = processes();
    const lease = keys.pollLease(connection, 'servers');
    const late = gated([{ id: 'old' }]);
    const listedByA = a.list('servers', TICK, late.load);
    await waitFor(async () => (await redis.get(lease)) !== null);
    const startedByA = now;
    // A's lease lapses under its slow call (say its process stalled): B lists later, and first.
    await redis.del(lease);
    now += 1;
    expect((await b.list('servers', TICK, async () => [{ id: 'new' }])).at).toBe(now);
    late.open();
    expect(await listedByA).toMatchObject({ items: [{ id: 'old' }], at: startedByA });
    expect(Number(await redis.hget(keys.pollSnapshot(connection, 'servers'), 'at'))).toBe(now);
    const fresh = await processes()[0].list('servers', TICK, async () => []);
    expect(fresh.items).toEqual([{ id: 'new' }]);
  });

  it('should give up waiting for a holder that never answers, as unavailable', async () => {
    now = Date.now();
    const [a] = [new RedisSharedPolls(redis, connection, { maxWaitMs: 100 })];
    await redis.set(keys.pollLease(connection, 'servers'), 'stuck', 'PX', 10_000);
    const load = jest.fn(async () => [{ id: 'x' }]);
    await expect(a.list('servers', TICK, load)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(load).not.toHaveBeenCalled();
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never met');
}
