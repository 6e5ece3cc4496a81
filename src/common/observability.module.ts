import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from './logging/logger';
import { MetricsService } from './metrics/metrics.service';

/** The process's logger (built before Nest starts) and its metrics, for everyone. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [{ provide: LOGGER, useValue: logger }, MetricsService],
      exports: [LOGGER, MetricsService],
    };
  }
}
