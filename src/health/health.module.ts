import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProviderHealth } from '../resources/providers/provider-health.service';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** Health and metrics, served by every role so orchestrators can probe api and worker processes alike. */
@Global()
@Module({
  // Terminus would log every failed probe at error level (every few seconds through an outage); the Redis
  // connections log their state changes once each instead (common/redis/redis-watch.ts).
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [ProviderHealth],
  exports: [ProviderHealth],
})
export class HealthModule {}
