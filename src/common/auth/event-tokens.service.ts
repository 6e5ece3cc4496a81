import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../../cache/keys';
import { REDIS } from '../../cache/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { Caller } from './caller';

/**
 * Short-lived, read-only tokens for `GET /v1/events?access_token=`: a browser EventSource cannot send an
 * Authorization header. A token carries its key's connection list and nothing else; it works on no other route.
 */
@Injectable()
export class EventTokens {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async issue(caller: Caller): Promise<{ token: string; expiresAt: string }> {
    const token = `evt_${randomBytes(24).toString('base64url')}`;
    const ttl = this.config.events.tokenTtlSeconds;
    const { keyName, connections } = caller.toJSON();
    await this.redis.set(keys.eventToken(token), JSON.stringify({ keyName, connections }), 'EX', ttl);
    return { token, expiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }

  async resolve(token: string): Promise<Caller | null> {
    if (!/^evt_[A-Za-z0-9_-]{32}$/.test(token)) return null;
    const raw = await this.redis.get(keys.eventToken(token));
    if (!raw) return null;
    const { keyName, connections } = JSON.parse(raw) as { keyName: string; connections: string[] | null };
    return new Caller(keyName, new Set(['read']), connections ? new Set(connections) : null, true);
  }
}
