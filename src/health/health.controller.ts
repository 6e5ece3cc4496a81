import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { OperationId } from '../common/swagger/endpoints.decorator';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS } from '../cache/redis.tokens';
import { Public } from '../common/auth/auth.decorators';
import { Call, type HttpCall } from '../common/http/call.decorator';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { ProviderHealth } from '../resources/providers/provider-health.service';
import { TaskQueue } from '../tasks/task-queue.service';
import { LiveStatus, ReadyStatus } from './health.dto';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly queue: TaskQueue,
    private readonly registry: ProviderRegistry,
    private readonly providerHealth: ProviderHealth,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /**
   * Liveness
   * @remarks The process is up.
   */
  @Get('live')
  @OperationId('healthLive')
  live(): LiveStatus {
    return { status: 'ok' };
  }

  /**
   * Readiness
   * @remarks 200 once Redis and the queue work. Backend reachability is reported in the body but never makes the gateway unready.
   */
  @Get('ready')
  @OperationId('healthReady')
  @ApiOkResponse({ type: ReadyStatus, description: 'Ready' })
  @ApiServiceUnavailableResponse({ type: ReadyStatus, description: 'Redis or the queue does not work' })
  async ready(@Call() { reply }: HttpCall): Promise<ReadyStatus> {
    const names = this.registry.names();
    const providers = (await this.providerHealth.read(names).catch(() => names.map(() => null))).map(
      (record, i) => ({
        name: names[i],
        status: record?.status ?? 'unknown',
        lastCheckedAt: record?.lastCheckedAt ?? null,
      }),
    );
    try {
      const result = await this.checks.check([
        async () => {
          const redis = this.indicators.check('redis');
          return (await this.redis.ping()) === 'PONG' ? redis.up() : redis.down();
        },
        async () => {
          const queue = this.indicators.check('queue');
          return queue.up(await this.queue.counts());
        },
      ]);
      return { ...result, providers };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return { ...(error.getResponse() as Omit<ReadyStatus, 'providers'>), providers };
    }
  }
}
