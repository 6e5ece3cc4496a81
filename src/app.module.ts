import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CacheModule } from './cache/cache.module';
import { bullConnectionOptions, redisTimeouts } from './common/redis/redis.options';
import { RedisModule } from './common/redis/redis.module';
import { AuthModule } from './common/auth/auth.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { ObservabilityModule } from './common/observability.module';
import { GatewayConfigModule } from './config/config.module';
import type { GatewayConfig } from './config/gateway-config';
import { HealthModule } from './health/health.module';
import { ProvidersModule } from './providers/registry/providers.module';
import { ApiModule } from './resources/api.module';
import { BULL_PREFIX } from './tasks/queue.constants';
import { TasksModule } from './tasks/tasks.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** One image, three roles (docs/design.md#roles): the API, the workers, or both. */
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const api = config.env.role === 'api' || config.env.role === 'all';
    return {
      module: AppModule,
      imports: [
        GatewayConfigModule.forRoot(config),
        ObservabilityModule.forRoot(logger),
        RedisModule,
        CacheModule,
        BullModule.forRoot({
          connection: config.env.redisUrl
            ? bullConnectionOptions(config.env.redisUrl, redisTimeouts(config.env))
            : {},
          prefix: BULL_PREFIX,
        }),
        AuthModule,
        RateLimitModule,
        ProvidersModule,
        TasksModule.forRole(config.env.role),
        WebhooksModule.forRole(config.env.role),
        HealthModule,
        ...(api ? [ApiModule] : []),
      ],
    };
  }
}
