import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

export const TASKS_WAITING_METRIC = 'gateway_tasks_waiting';

/**
 * `gateway_tasks_waiting{provider}`: the tasks of each connection accepted and not yet ended (queued, or running
 * and polled by the workers until their backend is done): the work before the workers, which worker autoscaling
 * reads (docs/design.md#running-it). Every process reports the same shared count, so queries take the `max` per
 * connection across pods.
 *
 * Sampled when Prometheus scrapes, so it costs nothing unscraped: one SCARD of each connection's open-task set
 * (in that connection's slot). When Redis cannot answer, the series are dropped rather than left at their last
 * value: a stale count must not keep scaling workers.
 */
@Injectable()
export class TasksWaitingMetric {
  constructor(
    metrics: MetricsService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    const connections = config.providers.map((connection) => connection.name);
    const sample = (gauge: Gauge<'provider'>) => this.sample(gauge, connections);
    new Gauge({
      name: TASKS_WAITING_METRIC,
      help: 'Tasks accepted and not yet ended, per connection (every process reports the same shared count)',
      labelNames: ['provider'] as const,
      registers: [metrics.registry],
      collect() {
        return sample(this);
      },
    });
  }

  private async sample(gauge: Gauge<'provider'>, connections: string[]): Promise<void> {
    try {
      const counts = await Promise.all(
        connections.map((connection) => this.redis.scard(keys.openTasks(connection))),
      );
      gauge.reset();
      connections.forEach((provider, i) => gauge.set({ provider }, counts[i]));
    } catch {
      // A Redis outage is logged by the connection itself.
      gauge.reset();
    }
  }
}
