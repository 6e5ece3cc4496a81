import type { Redis } from 'ioredis';
import { keys as redisKeys } from '../redis/keys';
import type { ApiKeyConfig } from '../../config/config.schema';
import type { GatewayConfig } from '../../config/gateway-config';
import { ApiKeysService } from './api-keys.service';
import { EventTokens } from './event-tokens.service';

/** The two Redis commands the tokens use, over a Map (TTL ignored: expiry is checked from the record too). */
function fakeRedis(): Redis {
  const values = new Map<string, string>();
  return {
    set: async (key: string, value: string) => void values.set(key, value),
    get: async (key: string) => values.get(key) ?? null,
  } as unknown as Redis;
}

const KEY = {
  name: 'front',
  key: 'front-key-0000000000',
  scopes: ['read'],
  providers: ['a'],
} as ApiKeyConfig;

function tokens(
  redis: Redis,
  apiKeys: ApiKeyConfig[],
  ttl = 300,
): { tokens: EventTokens; keys: ApiKeysService } {
  const config = { apiKeys, events: { tokenTtlSeconds: ttl } } as unknown as GatewayConfig;
  const keys = new ApiKeysService(config);
  return { tokens: new EventTokens(redis, config, keys), keys };
}

describe('EventTokens', () => {
  it('takes the key as the config has it now: its connections, its scope, the key itself', async () => {
    const redis = fakeRedis();
    const before = tokens(redis, [KEY]);
    const { token } = await before.tokens.issue(before.keys.resolve(KEY.key!)!);

    const same = await before.tokens.resolve(token);
    expect(same).toMatchObject({ keyName: 'front', eventTokenOnly: true });
    expect([same!.canSee('a'), same!.canSee('b')]).toEqual([true, false]);

    // Another process, or a restart, with another config on the same Redis:
    const widened = await tokens(redis, [{ ...KEY, providers: ['a', 'b'] }]).tokens.resolve(token);
    expect(widened!.canSee('b')).toBe(true);
    expect(await tokens(redis, [{ ...KEY, name: 'other' }]).tokens.resolve(token)).toBeNull();
    expect(await tokens(redis, [{ ...KEY, scopes: ['write'] }]).tokens.resolve(token)).toBeNull();
    // The same name with another secret: a replaced key does not inherit the old one's tokens.
    expect(await tokens(redis, [{ ...KEY, key: 'front-key-1111111111' }]).tokens.resolve(token)).toBeNull();
  });

  it('refuses a token past its expiry even if Redis still holds it, and records without the key binding', async () => {
    const redis = fakeRedis();
    const { tokens: service, keys } = tokens(redis, [KEY], 10);
    const { token } = await service.issue(keys.resolve(KEY.key!)!);
    jest.useFakeTimers({ now: Date.now() + 11_000 });
    try {
      expect(await service.resolve(token)).toBeNull();
    } finally {
      jest.useRealTimers();
    }
    // The record of an older version (a connection list, no key binding) opens nothing.
    const legacy = `evt_${'B'.repeat(32)}`;
    await redis.set(redisKeys.eventToken(legacy), JSON.stringify({ keyName: 'front', connections: null }));
    expect(await service.resolve(legacy)).toBeNull();
  });
});
