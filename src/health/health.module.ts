import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProviderHealth } from '../resources/providers/provider-health.service';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** Health and metrics, served by every role so orchestrators can probe api and worker processes alike. */
@Global()
@Module({
  imports: [TerminusModule],
  controllers: [HealthController, MetricsController],
  providers: [ProviderHealth],
  exports: [ProviderHealth],
})
export class HealthModule {}
