import { Redis } from 'ioredis';
import { RedisClaims } from '../../src/providers/registry/redis-claims';
import { workerRedisUrl } from '../support/gateway';
import { keys as redisKeys } from '../../src/common/redis/keys';

// Two gateway processes are two Redis clients: a lease taken through one is refused through the other.
describe('RedisClaims (leases shared by every gateway process)', () => {
  const first = new Redis(workerRedisUrl());
  const second = new Redis(workerRedisUrl());
  afterAll(async () => {
    await first.quit();
    await second.quit();
  });

  it('lets one task hold a stock server while another process tries it, and frees it on release', async () => {
    const key = `server:${Date.now()}`;
    const a = new RedisClaims(first, 'sandbox-dcimanager');
    const b = new RedisClaims(second, 'sandbox-dcimanager');
    expect(await a.claim(key, 'task-a', 60_000)).toBe(true);
    expect(await b.claim(key, 'task-b', 60_000)).toBe(false);
    expect(await b.claim(key, 'task-a', 60_000)).toBe(true);
    await b.release(key, 'task-b');
    expect(await a.claim(key, 'task-b', 60_000)).toBe(false);
    await a.release(key, 'task-a');
    expect(await b.claim(key, 'task-b', 60_000)).toBe(true);
    expect(await first.pttl(redisKeys.claim('sandbox-dcimanager', key))).toBeGreaterThan(0);
  });

  it('keeps connections apart: the same server id on two connections is two leases', async () => {
    const key = `server:${Date.now()}`;
    expect(await new RedisClaims(first, 'dci-a').claim(key, 'task-a', 60_000)).toBe(true);
    expect(await new RedisClaims(second, 'dci-b').claim(key, 'task-b', 60_000)).toBe(true);
  });

  it('lets a lease lapse after its time', async () => {
    const key = `server:${Date.now()}`;
    const a = new RedisClaims(first, 'sandbox-dcimanager');
    expect(await a.claim(key, 'task-a', 30)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await new RedisClaims(second, 'sandbox-dcimanager').claim(key, 'task-b', 60_000)).toBe(true);
  });
});
