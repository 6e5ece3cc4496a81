import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { redisOptionsFromUrl } from './redis.options';
import { REDIS, REDIS_BLOCKING } from './redis.tokens';

function createClient(config: GatewayConfig, name: string): Redis {
  if (!config.env.redisUrl) throw new Error('REDIS_URL is not set');
  return new Redis({
    ...redisOptionsFromUrl(config.env.redisUrl),
    connectionName: name,
    enableAutoPipelining: true,
  });
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => createClient(config, 'gateway'),
    },
    {
      provide: REDIS_BLOCKING,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => createClient(config, 'gateway-blocking'),
    },
  ],
  exports: [REDIS, REDIS_BLOCKING],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_BLOCKING) private readonly blocking: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // A blocking XREAD would hold QUIT until it returns: disconnect that one at once.
    this.blocking.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
