import { startWorker } from '../common/redis/bull-worker';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger';
import { bullErrorListener } from '../common/redis/redis-watch';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { cipherFromSettings, type SecretCipher } from '../tasks/task-secrets';
import { deliveryBackoff } from './delivery-backoff';
import { abandoned, afterAttempt, discarded, isOpen, type DeliveryAttempt } from './delivery-record';
import { DeliveryStore } from './delivery-store.service';
import { parseTargetUrl, pinForDelivery, TargetRefused } from './target-guard';
import { WEBHOOK_RESOLVER, type WebhookResolver } from './target-resolver';
import { WEBHOOK_QUEUE, type DeliveryJobData } from './webhook-queue';
import { openSecret } from './webhook-secret';
import { sendAttempt, type AttemptOutcome } from './webhook-sender';
import { signAttempt } from './webhook-signer';
import { WebhookStore } from './webhook-store.service';
import { WEBHOOK_TEST_EVENT } from './webhook';

/** Deliveries sent at once by one worker process: each mostly waits on a receiver. */
export const DELIVERY_CONCURRENCY = 16;

/** Thrown to make BullMQ retry a delivery after its backoff; the record already says why. */
export class AttemptFailed extends Error {}

/**
 * Sends webhook deliveries (docs/design.md#webhooks), at least once: a job is one delivery, each run of it one
 * attempt, recorded in the delivery record before the job settles. A failed attempt with attempts left throws, so
 * BullMQ retries it after the backoff (1 s, 2 s, 4 s…); a worker killed mid-attempt leaves the job stalled, and
 * another worker sends it again (the `webhook-id` stays the same, so receivers can drop the repeat).
 */
@Processor(WEBHOOK_QUEUE, {
  autorun: false,
  concurrency: DELIVERY_CONCURRENCY,
  maxStalledCount: 1_000,
  settings: { backoffStrategy: (failedAttempts: number) => deliveryBackoff(failedAttempts) },
})
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly cipher: SecretCipher | null;
  private readonly onWorkerError: (error: Error) => void;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly deliveries: DeliveryStore,
    @Inject(WEBHOOK_RESOLVER) private readonly resolver: WebhookResolver,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
    this.cipher = cipherFromSettings(config.tasks);
    this.onWorkerError = bullErrorListener('webhook-worker', logger);
  }

  async process(job: Job<DeliveryJobData>): Promise<void> {
    const { webhookId, deliveryId, body } = job.data;
    const record = await this.deliveries.get(webhookId, deliveryId);
    // Expired, or its webhook deleted (records go with it), or settled by an earlier run of a stalled job.
    if (!record || !isOpen(record)) return;
    const webhook = await this.webhooks.get(webhookId);
    const test = record.eventType === WEBHOOK_TEST_EVENT;
    // A test is sent to a disabled webhook too: it is how an operator checks a receiver before re-enabling it.
    if (!webhook || (!webhook.enabled && !test)) {
      await this.deliveries.save(discarded(record, new Date()));
      return;
    }
    const at = new Date();
    const outcome = await this.attempt(webhookId, webhook.url, deliveryId, body, at);
    const attempt: DeliveryAttempt = { at: at.toISOString(), ...outcome };
    const now = new Date();
    if (outcome.error === null) {
      await this.webhooks.recordSuccess(webhookId);
      await this.deliveries.save(afterAttempt(record, attempt, null, now));
      return;
    }
    const disabledNow = await this.webhooks.recordFailure(
      webhookId,
      this.config.webhooks.disableAfterFailures,
      outcome.error,
      now,
    );
    const attemptNumber = job.attemptsMade + 1;
    const last = attemptNumber >= (job.opts.attempts ?? 1) || disabledNow;
    const retryAt = last ? null : new Date(now.getTime() + deliveryBackoff(attemptNumber));
    await this.deliveries.save(afterAttempt(record, attempt, retryAt, now));
    if (disabledNow)
      this.logger.warn(
        { webhookId, failures: this.config.webhooks.disableAfterFailures },
        'webhook disabled after consecutive failed attempts',
      );
    if (!last) throw new AttemptFailed(outcome.error);
  }

  onApplicationBootstrap(): void {
    // Lock and stall timings as the operations worker's: a killed worker's delivery is sent again as soon.
    startWorker(this.worker, this.config.tasks, this.onWorkerError);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.onWorkerError(error);
  }

  /**
   * A job that ended on an unexpected error (Redis failing under it) with no attempt left: its record would stay
   * pending for ever, so it is closed as failed when Redis lets us. Never rejects (BullMQ does not await it).
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<DeliveryJobData> | undefined, error: Error): Promise<void> {
    if (!job || error instanceof AttemptFailed) return;
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    try {
      const record = await this.deliveries.get(job.data.webhookId, job.data.deliveryId);
      if (record && isOpen(record)) await this.deliveries.save(abandoned(record, new Date()));
    } catch (failure) {
      this.logger.warn(
        { webhookId: job.data.webhookId, deliveryId: job.data.deliveryId, error: (failure as Error).message },
        'a failed delivery could not be closed',
      );
    }
  }

  /** One attempt: judge and pin the target now, sign with the current secret, send. Never throws. */
  private async attempt(
    webhookId: string,
    url: string,
    deliveryId: string,
    body: string,
    at: Date,
  ): Promise<AttemptOutcome> {
    const started = performance.now();
    const failed = (error: string): AttemptOutcome => ({
      statusCode: null,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
    const target = parseTargetUrl(url);
    if ('refused' in target) return failed(`target refused: the url ${target.refused}`);
    let pinned;
    try {
      pinned = await pinForDelivery(target, this.resolver, this.config.webhooks.allowPrivateTargets);
    } catch (error) {
      if (error instanceof TargetRefused) return failed(error.message);
      throw error;
    }
    const stored = await this.webhooks.secretOf(webhookId);
    if (stored === null) return failed('the webhook was deleted');
    let secret: string;
    try {
      secret = openSecret(this.cipher, webhookId, stored);
    } catch {
      // The reason names no secret material: only that the key to open it is missing or changed.
      return failed('the signing secret could not be opened (tasks.secretKey changed?)');
    }
    const headers = signAttempt(secret, deliveryId, body, at);
    return sendAttempt(pinned, { ...headers }, body, this.config.webhooks.timeoutMs);
  }
}
