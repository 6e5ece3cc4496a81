import { Inject, Injectable, Logger } from '@nestjs/common';
import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { GatewayError } from '../errors/gateway-error';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const WINDOW_MS = 60_000;
const THROTTLER = 'auth-failures';

/** The eight 16-bit groups of an IPv6 address (`::` expanded); null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.split('%')[0];
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) as two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === null ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Whom failed attempts are counted against: an IPv4 address, or an IPv6 /64 (one host usually holds a whole
 * /64, so counting single IPv6 addresses would count nothing). IPv4-mapped IPv6 addresses count as IPv4.
 */
export function clientBucket(address: string | undefined): string {
  if (!address) return 'unknown';
  if (isIP(address) === 4) return address;
  const groups = ipv6Groups(address);
  if (!groups) return 'unknown';
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/**
 * Counts requests that came without valid credentials (no key, a wrong key, a bad or expired event token) per
 * client address, in Redis so that the limit holds across every API process (`server.authFailuresPerMinute`).
 * Beyond the limit such requests answer 429 with Retry-After until the block ends. Only failures are counted
 * and checked: a request with a valid key never waits on this, whoever else fails from its address.
 */
@Injectable()
export class AuthFailures {
  private readonly logger = new Logger(AuthFailures.name);
  private readonly storage: RedisThrottlerStorage;
  private readonly limit: number;

  constructor(@Inject(REDIS) redis: Redis, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.storage = new RedisThrottlerStorage(redis);
    this.limit = config.server.authFailuresPerMinute;
  }

  /** Counts one failed attempt from `address`; the 429 to answer instead of 401 once it is over the limit. */
  async record(address: string | undefined): Promise<GatewayError | null> {
    if (this.limit === 0) return null;
    const bucket = clientBucket(address);
    let state: Awaited<ReturnType<RedisThrottlerStorage['increment']>>;
    try {
      state = await this.storage.increment(bucket, WINDOW_MS, this.limit, WINDOW_MS, THROTTLER);
    } catch (error) {
      // Without Redis the attempt is still refused (401); only the counting is lost.
      this.logger.warn(`could not count a failed authentication: ${String(error)}`);
      return null;
    }
    if (!state.isBlocked) return null;
    return new GatewayError(
      'rate_limited',
      'Too many requests without valid credentials from this address; wait for Retry-After seconds.',
      { retryable: true, retryAfter: Math.max(1, state.timeToBlockExpire) },
    );
  }
}
