import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { OperationId } from '../common/swagger/endpoints.decorator';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { keys as redisKeys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { ApiKeysService } from '../common/auth/api-keys.service';
import { Public } from '../common/auth/auth.decorators';
import type { Caller } from '../common/auth/caller';
import { UnauthenticatedError } from '../common/errors/gateway-error';
import { asRedisUnavailable } from '../common/errors/redis-unavailable';
import { Call, type HttpCall } from '../common/http/call.decorator';
import { AuthFailures } from '../common/rate-limit/auth-failures.service';
import { ProviderRegistry } from '../providers/registry/provider-registry.service';
import { ProviderHealth } from '../resources/providers/provider-health.service';
import { TaskQueue } from '../tasks/task-queue.service';
import { LiveStatus, ProviderReachability, ReadyStatus } from './health.dto';

/**
 * Life of what the readiness check writes (`redisKeys.readyProbe()`): a full Redis still answers PING, but
 * refuses what the gateway must store. One small key with a short life, shared by every process.
 */
const READY_PROBE_TTL_MS = 10_000;

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
    private readonly keys: ApiKeysService,
    private readonly authFailures: AuthFailures,
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
   * @remarks 200 once Redis accepts writes and the queue works. Needs no key; with an API key the body also lists the reachability of the connections that key may see (never any other). Backend reachability never makes the gateway unready.
   */
  @Get('ready')
  @OperationId('healthReady')
  @ApiOkResponse({ type: ReadyStatus, description: 'Ready' })
  @ApiServiceUnavailableResponse({ type: ReadyStatus, description: 'Redis or the queue does not work' })
  async ready(@Call() { request, reply }: HttpCall): Promise<ReadyStatus> {
    const caller = await this.callerOf(request);
    const providers = caller ? await this.reachability(caller) : [];
    try {
      const result = await this.checks.check([() => this.checkRedis(), () => this.checkQueue()]);
      return { ...result, providers };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return { ...(error.getResponse() as Omit<ReadyStatus, 'providers'>), providers };
    }
  }

  /** The caller of a request that sent a key (401 for a wrong one, as everywhere); null without one. */
  private async callerOf(request: FastifyRequest): Promise<Caller | null> {
    const header = request.headers.authorization;
    if (!header) return null;
    const caller = this.keys.resolveHeader(header);
    if (caller) return caller;
    // Counted like every refused key, so this route is no way around the limit on wrong keys.
    throw (
      (await this.authFailures.record(request.ip)) ?? new UnauthenticatedError('The API key is not valid.')
    );
  }

  private async reachability(caller: Caller): Promise<ProviderReachability[]> {
    const names = caller.visible(this.registry.names());
    const records = await this.providerHealth.read(names).catch(() => names.map(() => null));
    return records.map((record, i) => ({
      name: names[i],
      status: record?.status ?? 'unknown',
      lastCheckedAt: record?.lastCheckedAt ?? null,
    }));
  }

  private async checkRedis() {
    const redis = this.indicators.check('redis');
    try {
      if ((await this.redis.ping()) !== 'PONG') return redis.down({ message: 'no PONG' });
      await this.redis.set(redisKeys.readyProbe(), String(Date.now()), 'PX', READY_PROBE_TTL_MS);
      return redis.up();
    } catch (error) {
      return redis.down({ message: asRedisUnavailable(error)?.kind ?? 'error' });
    }
  }

  private async checkQueue() {
    const queue = this.indicators.check('queue');
    // Asking BullMQ while the gateway's own connection is down would only queue commands for later.
    if (this.redis.status !== 'ready') return queue.down({ message: 'disconnected' });
    try {
      return queue.up(await this.queue.counts());
    } catch (error) {
      return queue.down({ message: asRedisUnavailable(error)?.kind ?? 'error' });
    }
  }
}
