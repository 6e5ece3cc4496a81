import type { Redis } from 'ioredis';
import type { Claims } from '../ports/claims';
import { keys } from '../../common/redis/keys';

// Take the lease if free, or renew it if it is already the caller's; one round trip, atomic.
const CLAIM = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/** Leases of one connection in Redis, shared by every api and worker process. */
export class RedisClaims implements Claims {
  constructor(
    private readonly redis: Redis,
    private readonly connection: string,
  ) {}

  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const taken = await this.redis.eval(CLAIM, 1, keys.claim(this.connection, key), owner, String(ttlMs));
    return taken === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, keys.claim(this.connection, key), owner);
  }
}
