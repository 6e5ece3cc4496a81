import { Global, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisClaims } from './redis-claims';
import { RedisSharedPolls } from './redis-shared-polls';
import { requestBudgetFor } from './redis-request-budget';
import { REDIS } from '../../common/redis/redis.tokens';
import { LOGGER } from '../../common/logging/logger';
import { MetricsService } from '../../common/metrics/metrics.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { UpstreamClient } from '../kit/http/upstream-client';
import type { AdapterDeps } from '../ports/provider-adapter';
import { Connection } from './connection';
import { PROVIDER_KINDS } from './provider-kinds';
import { ProviderRegistry } from './provider-registry.service';
import { PROVIDER_CONNECTIONS } from './provider.tokens';

function buildConnections(
  config: GatewayConfig,
  metrics: MetricsService,
  logger: Logger,
  redis: Redis,
): Connection[] {
  const kinds = new Map(PROVIDER_KINDS.map((definition) => [definition.kind as string, definition]));
  return config.providers.map((connection) => {
    const definition = kinds.get(connection.kind);
    if (!definition)
      throw new Error(`Unknown provider kind '${connection.kind}' for connection '${connection.name}'`);
    const log = logger.child({ provider: connection.name, kind: connection.kind });
    const budget = requestBudgetFor(redis, connection, metrics);
    const deps: AdapterDeps = {
      http: (options) => new UpstreamClient(options, metrics, budget),
      logger: {
        debug: (message, fields) => log.debug(fields ?? {}, message),
        info: (message, fields) => log.info(fields ?? {}, message),
        warn: (message, fields) => log.warn(fields ?? {}, message),
      },
      onUnknownState: (resource, state) => {
        metrics.unknownStates.inc({ provider: connection.name, resource, state: state.slice(0, 64) });
        log.warn({ resource, state }, 'unmapped provider state shown as unknown');
      },
      claims: new RedisClaims(redis, connection.name),
      polls: new RedisSharedPolls(redis, connection.name),
    };
    return new Connection(definition.create(connection, deps), connection);
  });
}

@Global()
@Module({
  providers: [
    {
      provide: PROVIDER_CONNECTIONS,
      inject: [GATEWAY_CONFIG, MetricsService, LOGGER, REDIS],
      useFactory: buildConnections,
    },
    ProviderRegistry,
  ],
  exports: [ProviderRegistry],
})
export class ProvidersModule {}
