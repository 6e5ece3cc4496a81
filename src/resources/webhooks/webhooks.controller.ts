import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { readIdempotencyKey, requestFingerprint } from '../../common/http/fingerprint';
import { decodePageToken, encodePageToken } from '../../common/pagination/page-token';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId, ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { COMMON_HEADERS, headerRefs } from '../../common/swagger/response-headers';
import type { DeliveryRecord } from '../../webhooks/delivery-record';
import { WEBHOOK_ID_PATTERN } from '../../webhooks/webhook';
import { WebhooksService } from '../../webhooks/webhooks.service';
import { IdempotencyKeyInterceptor } from '../common/idempotency-key.interceptor';
import {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryListQuery,
  WebhookList,
  WebhookListQuery,
  WebhookWithSecret,
} from './webhooks.dto';

/** A delivery id: `e`/`c` + a stream entry id, or `t` + a ULID (a test). */
const DELIVERY_CURSOR = /^(?:[ec]\d{1,20}-\d{1,20}|t[0-9A-HJKMNP-TV-Z]{26})$/;

const presentDelivery = ({ webhookId: _webhookId, ...delivery }: DeliveryRecord): WebhookDelivery => delivery;

/**
 * Signed outbound webhooks (docs/design.md#webhooks). Each delivery is a POST of JSON
 * `{"type", "timestamp", "data"}` signed as Standard Webhooks says: `webhook-id` (`msg_<delivery id>`, the same
 * on every retry), `webhook-timestamp` (unix seconds of the attempt) and `webhook-signature` (`v1,<base64
 * HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the secret's bytes after `whsec_`).
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /**
   * Register a webhook
   * @remarks Events of the connections this API key may see (or those named in `providers`) are POSTed to `url` as JSON `{"type", "timestamp", "data"}`: task events carry the task's summary (as `/v1/events`), `resource.changed` carries `{provider, resource, fromState, toState, observedAt}`, `webhook.test` carries `{webhookId}`. Every request is signed as Standard Webhooks says, so its libraries verify it: headers `webhook-id` (`msg_<delivery id>`, the same on every retry: drop repeats), `webhook-timestamp` (unix seconds of the attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the base64-decoded part of the secret after `whsec_`). Delivery is at least once; a 2xx answer within `webhooks.timeoutMs` is a success; anything else (a 3xx included: redirects are not followed) is retried with exponential backoff from 1 s, up to `webhooks.maxAttempts` attempts. Order is not guaranteed: use `timestamp` and the task's `updatedAt`. After `webhooks.disableAfterFailures` failed attempts in a row the webhook is disabled (`enabled: false`, `disabledReason`); PATCH `enabled: true` turns it on again. The answer holds the signing `secret`, shown only here and by rotate-secret. An API key may have `webhooks.maxPerKey` webhooks: one more answers 409 `conflict`.
   */
  @Post()
  @UseInterceptors(IdempotencyKeyInterceptor)
  @OperationId('createWebhook')
  @ApiCreatedResponse({
    type: WebhookWithSecret,
    description: 'Created',
    headers: headerRefs(...COMMON_HEADERS),
  })
  @ApiProblems(400, 403, 409)
  create(
    @Call() { caller, request }: HttpCall,
    @Body() body: CreateWebhookRequest,
  ): Promise<WebhookWithSecret> {
    const key = readIdempotencyKey(request.headers['idempotency-key']);
    return this.webhooks.create(
      caller,
      body,
      key
        ? { key, fingerprint: requestFingerprint(request.method, request.url.split('?')[0], request.body) }
        : null,
    );
  }

  /**
   * List webhooks
   * @remarks The API key's own webhooks, newest first; never their secrets.
   */
  @Get()
  @ReadEndpoint('listWebhooks', WebhookList)
  async list(@Call() { caller }: HttpCall, @Query() query: WebhookListQuery): Promise<WebhookList> {
    const after = decodePageToken(query.pageToken, {}, (cursor) => WEBHOOK_ID_PATTERN.test(cursor));
    const page = await this.webhooks.list(caller, query.pageSize ?? 100, after);
    return { items: page.items, nextPageToken: page.next ? encodePageToken(page.next, {}) : null };
  }

  /**
   * Get a webhook
   * @remarks A webhook of another API key answers 404, as an unknown id does.
   */
  @Get(':id')
  @ReadEndpoint('getWebhook', Webhook)
  get(@Call() { caller }: HttpCall, @Param('id') id: string): Promise<Webhook> {
    return this.webhooks.get(caller, id);
  }

  /**
   * Change a webhook
   * @remarks Any of `url` (checked as on create), `events`, `providers` (null: every connection of the key) and `enabled`. `enabled: true` turns a disabled webhook back on and resets its failure streak.
   */
  @Patch(':id')
  @UseInterceptors(IdempotencyKeyInterceptor)
  @OperationId('updateWebhook')
  @ApiOkResponse({ type: Webhook, description: 'OK', headers: headerRefs(...COMMON_HEADERS) })
  @ApiProblems(400, 403, 404)
  update(
    @Call() { caller }: HttpCall,
    @Param('id') id: string,
    @Body() body: UpdateWebhookRequest,
  ): Promise<Webhook> {
    return this.webhooks.update(caller, id, body);
  }

  /**
   * Delete a webhook
   * @remarks Deliveries not yet sent are dropped; its delivery records go with it.
   */
  @Delete(':id')
  @UseInterceptors(IdempotencyKeyInterceptor)
  @HttpCode(204)
  @OperationId('deleteWebhook')
  @ApiNoContentResponse({ description: 'Deleted', headers: headerRefs(...COMMON_HEADERS) })
  @ApiProblems(400, 403, 404)
  async delete(@Call() { caller }: HttpCall, @Param('id') id: string): Promise<void> {
    await this.webhooks.delete(caller, id);
  }

  /**
   * Rotate a webhook's secret
   * @remarks A new signing secret, shown only in this answer. It signs from now on, retries of earlier deliveries too; the old one signs nothing more.
   */
  @Post(':id/rotate-secret')
  @UseInterceptors(IdempotencyKeyInterceptor)
  @HttpCode(200)
  @OperationId('rotateWebhookSecret')
  @ApiOkResponse({ type: WebhookWithSecret, description: 'OK', headers: headerRefs(...COMMON_HEADERS) })
  @ApiProblems(400, 403, 404)
  rotateSecret(@Call() { caller }: HttpCall, @Param('id') id: string): Promise<WebhookWithSecret> {
    return this.webhooks.rotateSecret(caller, id);
  }

  /**
   * Send a test event
   * @remarks Sends a `webhook.test` event (`data: {webhookId}`) now, whatever the webhook's `events`, even while it is disabled. The answer is its delivery, pending; `GET /v1/webhooks/{id}/deliveries` shows how it went.
   */
  @Post(':id/test')
  @UseInterceptors(IdempotencyKeyInterceptor)
  @HttpCode(202)
  @OperationId('testWebhook')
  @ApiAcceptedResponse({
    type: WebhookDelivery,
    description: 'Accepted',
    headers: headerRefs(...COMMON_HEADERS),
  })
  @ApiProblems(400, 403, 404)
  async test(@Call() { caller }: HttpCall, @Param('id') id: string): Promise<WebhookDelivery> {
    return presentDelivery(await this.webhooks.test(caller, id));
  }

  /**
   * List a webhook's deliveries
   * @remarks Newest first, each with its attempts (time, HTTP status, latency, error) and, while pending, when the next attempt is due. Kept `webhooks.deliveryRetentionHours`.
   */
  @Get(':id/deliveries')
  @ReadEndpoint('listWebhookDeliveries', WebhookDeliveryList)
  async deliveries(
    @Call() { caller }: HttpCall,
    @Param('id') id: string,
    @Query() query: WebhookDeliveryListQuery,
  ): Promise<WebhookDeliveryList> {
    const after = decodePageToken(query.pageToken, { id }, (cursor) => DELIVERY_CURSOR.test(cursor));
    const page = await this.webhooks.listDeliveries(caller, id, query.pageSize ?? 100, after);
    return {
      items: page.items.map(presentDelivery),
      nextPageToken: page.next ? encodePageToken(page.next, { id }) : null,
    };
  }
}
