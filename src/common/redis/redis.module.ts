import { Global, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { warnWithoutPersistence } from './redis-persistence';
import { closeBullConnections, createRedisClient, redisSettings } from './redis-topology';
import { watchRedisClient, type RedisWatch } from './redis-watch';
import {
  blockingClientOptions,
  redisTimeouts,
  requestClientOptions,
  type RedisTimeouts,
  type RoleOptions,
} from './redis.options';
import { REDIS, REDIS_BLOCKING } from './redis.tokens';

const watches = new WeakMap<Redis, RedisWatch>();

/** One of the gateway's clients on the configured topology (one server, a cluster or Sentinel). */
function createClient(
  config: GatewayConfig,
  logger: Logger,
  name: string,
  role: (timeouts: RedisTimeouts) => RoleOptions,
): Redis {
  const client = createRedisClient(redisSettings(config), role(redisTimeouts(config.env)), name);
  watches.set(client, watchRedisClient(client, name, logger));
  return client;
}

/**
 * The request client queues commands only until its first connection (start-up must not race it); from then on a
 * command sent while the connection is down fails at once, so requests answer 503 `unavailable` right away
 * through an outage instead of each waiting for the command timeout.
 */
function failFastOnceConnected(client: Redis): Redis {
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  return client;
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [GATEWAY_CONFIG, LOGGER],
      useFactory: (config: GatewayConfig, logger: Logger) =>
        failFastOnceConnected(createClient(config, logger, 'gateway', requestClientOptions)),
    },
    {
      provide: REDIS_BLOCKING,
      inject: [GATEWAY_CONFIG, LOGGER],
      useFactory: (config: GatewayConfig, logger: Logger) =>
        createClient(config, logger, 'gateway-blocking', blockingClientOptions),
    },
  ],
  exports: [REDIS, REDIS_BLOCKING],
})
export class RedisModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_BLOCKING) private readonly blocking: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: a Redis that is down at start-up is checked once it is up, and never holds the start.
    void warnWithoutPersistence(this.redis, this.logger, this.config.sandbox);
  }

  async onApplicationShutdown(): Promise<void> {
    watches.get(this.redis)?.stop();
    watches.get(this.blocking)?.stop();
    // A blocking XREAD would hold QUIT until it returns: disconnect that one at once.
    this.blocking.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
    // The cluster clients BullMQ's queues used (it leaves them open); the queues closed before this global module.
    await closeBullConnections(this.config);
  }
}
