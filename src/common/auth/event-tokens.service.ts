import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../redis/keys';
import { REDIS } from '../redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { UnauthenticatedError } from '../errors/gateway-error';
import { ApiKeysService } from './api-keys.service';
import { Caller } from './caller';

const TOKEN = /^evt_[A-Za-z0-9_-]{32}$/;

/** What Redis holds for a token (under the token's hash): which key issued it and until when, nothing else. */
interface TokenRecord {
  keyName: string;
  /** The issuing key's fingerprint: a key replaced under the same name does not inherit its tokens. */
  key: string;
  expiresAt: number;
}

function parseRecord(raw: string): TokenRecord | null {
  try {
    const record = JSON.parse(raw) as Partial<TokenRecord>;
    if (typeof record.keyName !== 'string' || typeof record.key !== 'string') return null;
    if (typeof record.expiresAt !== 'number' || !Number.isFinite(record.expiresAt)) return null;
    return record as TokenRecord;
  } catch {
    return null;
  }
}

/**
 * Short-lived, read-only tokens for `GET /v1/events?access_token=`: a browser EventSource cannot send an
 * Authorization header. A token names the key that issued it; every use checks that key against the config as
 * it is now (it must still exist, be the same secret and hold `read`), and takes the key's connections from
 * there, so removing or narrowing a key takes effect on its tokens at once. It works on no other route.
 */
@Injectable()
export class EventTokens {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly keys: ApiKeysService,
  ) {}

  async issue(caller: Caller): Promise<{ token: string; expiresAt: string }> {
    const issuer = this.keys.current(caller.keyName);
    // Only an API key issues tokens (the route takes no token), so this holds; a token never makes another.
    if (!issuer || caller.eventTokenOnly)
      throw new UnauthenticatedError('Event tokens are issued to API keys.');
    const token = `evt_${randomBytes(24).toString('base64url')}`;
    const ttl = this.config.events.tokenTtlSeconds;
    const expiresAt = Date.now() + ttl * 1000;
    const record: TokenRecord = { keyName: caller.keyName, key: issuer.fingerprint, expiresAt };
    await this.redis.set(keys.eventToken(token), JSON.stringify(record), 'EX', ttl);
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The caller of a token, as its key is configured now; null when the token or its key no longer holds. */
  async resolve(token: string): Promise<Caller | null> {
    if (!TOKEN.test(token)) return null;
    const raw = await this.redis.get(keys.eventToken(token));
    const record = raw === null ? null : parseRecord(raw);
    if (!record || record.expiresAt <= Date.now()) return null;
    const issuer = this.keys.current(record.keyName);
    if (!issuer || issuer.fingerprint !== record.key || !issuer.caller.scopes.has('read')) return null;
    return issuer.caller.eventToken(record.expiresAt);
  }
}
