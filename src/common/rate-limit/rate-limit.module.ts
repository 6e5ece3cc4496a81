import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { REDIS } from '../redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { ApiKeyThrottlerGuard } from './api-key-throttler.guard';
import { AuthFailures } from './auth-failures.service';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Per-API-key request limit (`server.rateLimitPerMinute`), counted in Redis; 429 problem+json with Retry-After.
 * Also the per-address limit on requests without valid credentials (`server.authFailuresPerMinute`), which the
 * API key guard consults when it refuses a request.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [GATEWAY_CONFIG, REDIS],
      useFactory: (config: GatewayConfig, redis: Redis) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.server.rateLimitPerMinute }],
        storage: new RedisThrottlerStorage(redis),
        skipIf: () => config.server.rateLimitPerMinute === 0,
      }),
    }),
  ],
  // Registered after the API key guard (AuthModule), so the caller is known when it runs.
  providers: [AuthFailures, { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard }],
  exports: [AuthFailures],
})
export class RateLimitModule {}
