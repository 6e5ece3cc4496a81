import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CacheModule } from './cache/cache.module';
import { bullConnection } from './common/redis/redis-topology';
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
          // Without any Redis variable only the OpenAPI generator builds the module (nothing connects).
          connection: config.env.redis || config.env.redisUrl ? bullConnection(config) : {},
          prefix: BULL_PREFIX,
        }),
        AuthModule,
        RateLimitModule,
        ProvidersModule,
        TasksModule.forRole(
          config.env.role,
          config.providers.map((connection) => connection.name),
        ),
        WebhooksModule.forRole(config.env.role),
        HealthModule,
        ...(api ? [ApiModule] : []),
      ],
    };
  }
}
