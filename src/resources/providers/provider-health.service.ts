import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../../common/redis/keys';
import { REDIS } from '../../common/redis/redis.tokens';
import { GatewayError } from '../../common/errors/gateway-error';
import { Problem } from '../../common/errors/problem.dto';
import { problemFromGatewayError } from '../../common/errors/problem.mapper';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import { ProviderRegistry } from '../../providers/registry/provider-registry.service';
import { Reachability } from './providers.dto';

const PROBE_INTERVAL_MS = 30_000;

export interface ProviderHealthRecord {
  status: Reachability;
  lastCheckedAt: string | null;
  statusDetail?: Problem;
}

/** Probes every connection in the background; a sick backend is reported, never blocks readiness. */
@Injectable()
export class ProviderHealth implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProviderHealth.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ProviderRegistry,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.env.role === 'worker') return; // API processes probe; workers only read the records
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async probeAll(): Promise<void> {
    await Promise.all(this.registry.all().map((adapter) => this.probe(adapter.name)));
  }

  async probe(name: string): Promise<ProviderHealthRecord> {
    const adapter = this.registry.require(name);
    const lastCheckedAt = new Date().toISOString();
    let record: ProviderHealthRecord;
    try {
      await adapter.probe();
      record = { status: Reachability.Reachable, lastCheckedAt };
    } catch (error) {
      const problem =
        error instanceof GatewayError
          ? error.withProvider(name)
          : new GatewayError('provider_error', 'The provider check failed.', { provider: name });
      record = {
        status: Reachability.Unreachable,
        lastCheckedAt,
        statusDetail: problemFromGatewayError(problem, {
          requestId: 'probe',
          instance: `/v1/providers/${name}`,
        }),
      };
      this.logger.warn(`provider ${name} unreachable: ${problem.code}: ${problem.message}`);
    }
    await this.redis
      .set(keys.providerHealth(name), JSON.stringify(record), 'PX', PROBE_INTERVAL_MS * 4)
      .catch(() => undefined);
    return record;
  }

  async read(names: string[]): Promise<ProviderHealthRecord[]> {
    if (names.length === 0) return [];
    // One GET per connection, not MGET: each connection's record lives in its own cluster slot.
    const raw = await Promise.all(names.map((name) => this.redis.get(keys.providerHealth(name))));
    return raw.map((value) =>
      value
        ? (JSON.parse(value) as ProviderHealthRecord)
        : { status: Reachability.Unknown, lastCheckedAt: null },
    );
  }
}
