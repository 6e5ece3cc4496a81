import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { GatewayRole } from '../config/env';
import { DeliveryProcessor } from './delivery.processor';
import { DeliveryStore } from './delivery-store.service';
import { SystemWebhookResolver, WEBHOOK_RESOLVER } from './target-resolver';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WEBHOOK_QUEUE, WebhookQueue } from './webhook-queue';
import { WebhookStore } from './webhook-store.service';
import { WebhooksService } from './webhooks.service';

/**
 * Signed outbound webhooks (docs/design.md#webhooks): subscriptions and delivery records everywhere; the
 * dispatcher (stream consumer group) and the delivery worker only where workers run.
 */
@Module({})
export class WebhooksModule {
  static forRole(role: GatewayRole): DynamicModule {
    const worker = role === 'worker' || role === 'all' ? [WebhookDispatcher, DeliveryProcessor] : [];
    return {
      module: WebhooksModule,
      global: true,
      imports: [BullModule.registerQueue({ name: WEBHOOK_QUEUE, streams: { events: { maxLen: 1_000 } } })],
      providers: [
        WebhookStore,
        DeliveryStore,
        WebhookQueue,
        WebhooksService,
        { provide: WEBHOOK_RESOLVER, useClass: SystemWebhookResolver },
        ...worker,
      ],
      exports: [WebhookStore, DeliveryStore, WebhookQueue, WebhooksService, WEBHOOK_RESOLVER],
    };
  }
}
