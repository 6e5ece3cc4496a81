import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS } from '../cache/redis.tokens';
import { Public } from '../common/auth/auth.decorators';
import { Call, type HttpCall } from '../common/http/call.decorator';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { ProviderHealth } from '../resources/providers/provider-health.service';
import { TaskQueue } from '../tasks/task-queue.service';

export class LiveStatus {
  status: string;
}

export class ProviderReachability {
  name: string;
  /** `reachable`, `unreachable` or `unknown`; never makes the gateway unready. */
  status: string;
  lastCheckedAt: string | null;
}

export class ReadyStatus {
  /** `ok` or `error`. */
  status: string;
  info?: Record<string, unknown>;
  error?: Record<string, unknown>;
  details: Record<string, unknown>;
  providers: ProviderReachability[];
}

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

  /** The process is up. */
  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness' })
  live(): LiveStatus {
    return { status: 'ok' };
  }

  /** 200 once Redis and the queue work; backend reachability is reported but never makes the gateway unready. */
  @Get('ready')
  @ApiOperation({ operationId: 'healthReady', summary: 'Readiness' })
  async ready(@Call() { reply }: HttpCall): Promise<ReadyStatus> {
    const names = this.registry.names();
    const providers = (await this.providerHealth.read(names).catch(() => names.map(() => null))).map((record, i) => ({
      name: names[i],
      status: record?.status ?? 'unknown',
      lastCheckedAt: record?.lastCheckedAt ?? null,
    }));
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
      return { ...result, providers } as ReadyStatus;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return { ...(error.getResponse() as Omit<ReadyStatus, 'providers'>), providers };
    }
  }
}
