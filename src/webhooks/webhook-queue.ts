import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { RedisUnavailableError } from '../common/errors/redis-unavailable';
import { LOGGER } from '../common/logging/logger';
import { queues } from '../common/redis/keys';
import { bullErrorListener } from '../common/redis/redis-watch';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { DELIVERY_BACKOFF_TYPE, FIRST_RETRY_DELAY_MS } from './delivery-backoff';

/**
 * The BullMQ queue of webhook deliveries: one job per delivery, retried with backoff (docs/design.md#webhooks). Its
 * name carries the webhooks' hash tag, so its keys share their slot on a cluster.
 */
export const WEBHOOK_QUEUE = queues.webhookDeliveries();

/** A job's payload: which delivery, and the body to send (no secret: the worker reads it at each attempt). */
export interface DeliveryJobData {
  webhookId: string;
  deliveryId: string;
  body: string;
}

/** The job id of a delivery: deterministic, so an event read twice never makes a second job (no `:` in it). */
export const jobIdOf = (webhookId: string, deliveryId: string) => `${webhookId}-${deliveryId}`;

/** The only producer of delivery jobs. */
@Injectable()
export class WebhookQueue {
  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<DeliveryJobData>,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    queue.on('error', bullErrorListener('queue', logger));
  }

  /**
   * Adds the job (nothing when a job of that id exists). BullMQ waits for Redis through an outage: the wait is
   * bounded by the Redis command timeout, as TaskQueue does, so a request answers 503 rather than hanging.
   */
  async enqueue(data: DeliveryJobData): Promise<void> {
    const retentionSeconds = this.config.webhooks.deliveryRetentionHours * 3_600;
    const added = this.queue.add('deliver', data, {
      jobId: jobIdOf(data.webhookId, data.deliveryId),
      attempts: this.config.webhooks.maxAttempts,
      backoff: { type: DELIVERY_BACKOFF_TYPE, delay: FIRST_RETRY_DELAY_MS },
      // Kept a while after they end, so that an event re-read (a consumer died before its XACK) finds the job id
      // taken; the delivery record says the rest.
      removeOnComplete: { age: Math.min(retentionSeconds, 3_600) },
      removeOnFail: { age: retentionSeconds },
    });
    added.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisUnavailableError('timeout')),
        this.config.env.redisCommandTimeoutMs,
      );
      timer.unref();
    });
    await Promise.race([added, deadline]).finally(() => clearTimeout(timer));
  }
}
