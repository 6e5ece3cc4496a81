import {
  blockingClientOptions,
  bullClientOptions,
  MAX_RECONNECT_DELAY_MS,
  reconnectDelay,
  redisOptionsFromUrl,
  requestClientOptions,
} from './redis.options';

const timeouts = { commandTimeoutMs: 1_500, connectTimeoutMs: 2_500 };

describe('Redis connection options', () => {
  it('should read host, port, credentials, database and TLS from the URL', () => {
    expect(redisOptionsFromUrl('rediss://u%40x:p%2Fw@redis.internal:6380/3')).toEqual({
      host: 'redis.internal',
      port: 6380,
      username: 'u@x',
      password: 'p/w',
      db: 3,
      tls: {},
    });
    expect(redisOptionsFromUrl('unix:///run/redis.sock')).toEqual({ path: '/run/redis.sock' });
  });

  it('should bound every command of the request client and its wait through an outage', () => {
    expect(requestClientOptions(timeouts)).toMatchObject({
      commandTimeout: 1_500,
      connectTimeout: 2_500,
      maxRetriesPerRequest: 1,
    });
  });

  it('should give the blocking reader a client-side bound instead of a command timeout', () => {
    const options = blockingClientOptions(timeouts);
    expect(options.commandTimeout).toBeUndefined();
    expect(options).toMatchObject({ blockingTimeout: 1_500, maxRetriesPerRequest: 1 });
  });

  it('should give BullMQ what its workers need: maxRetriesPerRequest null, no command timeout', () => {
    const options = bullClientOptions(timeouts);
    expect(options.maxRetriesPerRequest).toBeNull();
    expect(options).not.toHaveProperty('commandTimeout');
    expect(options.connectTimeout).toBe(2_500);
  });

  it('should reconnect forever, quickly at first, never slower than the cap', () => {
    const delays = Array.from({ length: 50 }, (_, i) => reconnectDelay(i + 1));
    expect(delays[0]).toBe(100);
    expect(delays.every((d) => typeof d === 'number' && d > 0 && d <= MAX_RECONNECT_DELAY_MS)).toBe(true);
    expect(delays.at(-1)).toBe(MAX_RECONNECT_DELAY_MS);
  });
});
