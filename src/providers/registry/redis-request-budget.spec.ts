import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../../sandbox/embedded-redis';
import { keys } from '../../common/redis/keys';
import type { BudgetClock } from '../kit/budget-gcra';
import { BudgetWaitTooLong, type BudgetEvent } from '../ports/request-budget';
import { RedisRequestBudget } from './redis-request-budget';

/** Time the test moves by hand: every instance of a test reads the same instant, and nothing sleeps for real. */
class SyntheticClock implements BudgetClock {
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
  sleep(): Promise<void> {
    throw new Error('the synthetic-time tests call tryTake, which never sleeps');
  }
}

/** Deterministic pseudo-random steps (a fixed LCG), so a failure replays. */
function steps(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The most sends of `times` (sorted) inside any window [t, t + windowMs]. */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; first < times.length; first++) {
    while (last < times.length && times[last] <= times[first] + windowMs) last++;
    most = Math.max(most, last - first);
  }
  return most;
}

describe('RedisRequestBudget (one connection, several processes, a real Redis)', () => {
  let server: EmbeddedRedis;
  let redis: Redis;

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'budget-redis-')), binary });
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  beforeEach(() => redis.flushdb());

  it('should keep two processes together within the bound at every synthetic instant, and near the rate', async () => {
    const rate = 100; // one token every 10 ms
    const leaseMs = 50; // burst: 5 tokens
    const clock = new SyntheticClock(1_000_000);
    const budgets = [0, 1].map(
      () => new RedisRequestBudget(redis, { connection: 'cm-a', requestsPerSecond: rate, leaseMs, clock }),
    );
    const sent: number[] = [];
    const byProcess = [0, 0];
    const random = steps(7);
    const durationMs = 2_000;
    for (const end = clock.at + durationMs; clock.at < end; clock.at += 1 + Math.floor(random() * 7)) {
      // Both processes take as much as they are given, in a varying order.
      for (const index of random() < 0.5 ? [0, 1] : [1, 0])
        for (let i = 0; i < 20 && (await budgets[index].tryTake()) === 0; i++) {
          sent.push(clock.at);
          byProcess[index]++;
        }
    }
    // Documented bound (redis-request-budget.ts): rate × (W + leaseMs) / 1000 + burst in any window of W ms.
    for (const windowMs of [0, 1, 10, 50, 100, 500, 1_000, durationMs])
      expect(busiestWindow(sent, windowMs)).toBeLessThanOrEqual(
        Math.floor((rate * (windowMs + leaseMs)) / 1000 + 5),
      );
    // And the budget is spent, not merely refused: greedy takers get about the whole rate.
    expect(sent.length).toBeGreaterThanOrEqual(0.9 * rate * (durationMs / 1000));
    // Both processes got a share.
    expect(Math.min(...byProcess)).toBeGreaterThan(0);
  });

  it("should hold the other process's takes from a pause until it ends, then restart without a burst", async () => {
    const clock = new SyntheticClock(5_000_000);
    const options = { connection: 'cm-b', requestsPerSecond: 100, leaseMs: 50, clock };
    const first = new RedisRequestBudget(redis, options);
    const second = new RedisRequestBudget(redis, options);
    expect(await second.tryTake()).toBe(0);

    clock.at += 1;
    await first.pause(2_000); // a 429 with Retry-After: 2 seen by the first process
    const pauseEnd = clock.at + 2_000;
    expect(Number(await redis.get(keys.budgetPause('cm-b')))).toBe(pauseEnd);

    for (const at of [clock.at, clock.at + 1, clock.at + 999, pauseEnd - 1]) {
      clock.at = at;
      expect(await second.tryTake()).toBe(pauseEnd - at);
      expect(await first.tryTake()).toBe(pauseEnd - at);
    }
    clock.at = pauseEnd;
    expect(await second.tryTake()).toBe(0);
    // One token at the end of the pause, then the steady rate (10 ms apart): no saved-up burst.
    expect(await first.tryTake()).toBe(10);
    clock.at += 10;
    expect(await first.tryTake()).toBe(0);
  });

  it('should let a process spend tokens it leased before a pause only within the lease, then hold it', async () => {
    const clock = new SyntheticClock(9_000_000);
    const options = { connection: 'cm-c', requestsPerSecond: 1_000, leaseMs: 50, clock };
    const first = new RedisRequestBudget(redis, options);
    const second = new RedisRequestBudget(redis, options);
    // The second process spends whole leases, so its leases grow (1, 2, 4, then 8 of which it spent 1).
    for (let i = 0; i < 8; i++) expect(await second.tryTake()).toBe(0);
    await first.pause(1_000);
    let leftover = 0;
    while ((await second.tryTake()) === 0) leftover++;
    expect(leftover).toBe(7); // never more than a lease (the burst: 1,000/s × 50 ms)
    clock.at += 50; // the lease is over: now the pause holds it
    expect(await second.tryTake()).toBe(950);
  });

  it('should take real slots on Redis TIME and fail a take at once when the slot is later than the caller waits', async () => {
    const budget = new RedisRequestBudget(redis, { connection: 'cm-d', requestsPerSecond: 10, leaseMs: 50 });
    await budget.take();
    expect(Number(await redis.get(keys.budget('cm-d')))).toBeGreaterThan(Date.now() - 60_000);
    await budget.pause(30_000);
    const other = new RedisRequestBudget(redis, { connection: 'cm-d', requestsPerSecond: 10 });
    const refused = await other.take({ maxWaitMs: 1_000 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BudgetWaitTooLong);
    expect((refused as BudgetWaitTooLong).waitMs).toBeGreaterThan(1_000);
  });

  it('should give up a take whose signal is aborted with the signal reason', async () => {
    const budget = new RedisRequestBudget(redis, { connection: 'cm-e', requestsPerSecond: 10 });
    await budget.pause(30_000);
    const abandon = new AbortController();
    const taking = budget.take({ signal: abandon.signal });
    abandon.abort(new Error('abandoned'));
    await expect(taking).rejects.toThrow('abandoned');
  });

  describe('without Redis', () => {
    let silent: Server;
    const held = new Set<Socket>();

    beforeAll(async () => {
      // Accepts connections and never answers: a Redis that hangs.
      silent = createServer((socket) => {
        held.add(socket);
        socket.on('close', () => held.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('should still let calls out when Redis refuses, on the per-process share, and say so', async () => {
      const down = new Redis({
        port: 1,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
      });
      down.on('error', () => undefined);
      const events: BudgetEvent[] = [];
      const budget = new RedisRequestBudget(down, {
        connection: 'cm-f',
        requestsPerSecond: 1_000,
        onEvent: (event) => events.push(event),
      });
      for (let i = 0; i < 5; i++) await budget.take();
      await budget.pause(1); // never throws, Redis or not
      expect(events).toContain('fallback');
      down.disconnect();
    });

    it('should still let calls out when Redis does not answer, after redisWaitMs', async () => {
      const hanging = new Redis({
        port: (silent.address() as { port: number }).port,
        host: '127.0.0.1',
        maxRetriesPerRequest: 0,
        commandTimeout: 60_000,
      });
      hanging.on('error', () => undefined);
      const events: BudgetEvent[] = [];
      const budget = new RedisRequestBudget(hanging, {
        connection: 'cm-g',
        requestsPerSecond: 1_000,
        redisWaitMs: 50,
        onEvent: (event) => events.push(event),
      });
      for (let i = 0; i < 5; i++) await budget.take();
      expect(events).toEqual(['fallback']);
      hanging.disconnect();
    });
  });
});
