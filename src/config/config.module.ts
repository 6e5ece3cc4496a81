import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger';
import { MetricsService } from '../common/metrics/metrics.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway-config';

/** The validated config (loaded and checked before Nest starts), the logger and metrics, for everyone. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [registerAs('gateway', () => config)] })],
      providers: [
        {
          provide: GATEWAY_CONFIG,
          inject: [ConfigService],
          useFactory: (service: ConfigService) => service.getOrThrow<GatewayConfig>('gateway'),
        },
        { provide: LOGGER, useValue: logger },
        MetricsService,
      ],
      exports: [GATEWAY_CONFIG, LOGGER, MetricsService],
    };
  }
}
