import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { MAX_URL_LENGTH } from '../../webhooks/target-guard';
import {
  WEBHOOK_EVENT_FILTERS,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type PayloadType,
  type WebhookEventFilter,
} from '../../webhooks/webhook';
import { PageQuery } from '../common/list.dto';

/** Connections one webhook may name (more than any gateway configures). */
const MAX_PROVIDERS = 100;

export class CreateWebhookRequest {
  /**
   * Where deliveries are POSTed: an absolute `http` or `https` URL without a user name or password. Unless the
   * operator set `webhooks.allowPrivateTargets`, loopback, private, link-local, carrier-grade NAT, metadata and
   * other special addresses are refused, whether written out or what the host name resolves to (checked again
   * at every delivery).
   */
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url: string;

  /** Event types to receive, or `*` for all (and types added later). */
  @ApiProperty({ enum: WEBHOOK_EVENT_FILTERS, enumName: 'WebhookEventFilter', isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_FILTERS.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_FILTERS, { each: true })
  events: WebhookEventFilter[];

  /** Only events of these connections (each one the API key may see); absent or null: every connection the key may see, now and later. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PROVIDERS)
  @ArrayUnique()
  @Matches(CONNECTION_NAME_PATTERN, { each: true })
  providers?: string[] | null;
}

export class UpdateWebhookRequest {
  /** A new target, checked as on create. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url?: string;

  /** New event types (replaces the list). */
  @ApiProperty({
    enum: WEBHOOK_EVENT_FILTERS,
    enumName: 'WebhookEventFilter',
    isArray: true,
    required: false,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_FILTERS.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_FILTERS, { each: true })
  events?: WebhookEventFilter[];

  /** New connections (replaces the list); null: every connection the key may see. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PROVIDERS)
  @ArrayUnique()
  @Matches(CONNECTION_NAME_PATTERN, { each: true })
  providers?: string[] | null;

  /** `true` turns a disabled webhook back on and resets its failure streak; `false` stops its deliveries. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

/** A webhook subscription. Its signing secret is shown only when it is made and when it is rotated. */
export class Webhook {
  /** Opaque id (ULID). */
  id: string;
  url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_FILTERS, enumName: 'WebhookEventFilter', isArray: true })
  events: WebhookEventFilter[];
  /** The connections whose events it gets; null: every connection the API key may see. */
  providers: string[] | null;
  /** False once disabled (by PATCH, or after `webhooks.disableAfterFailures` failed attempts in a row). */
  enabled: boolean;
  /** Why it was disabled, e.g. `50 consecutive failed attempts; last: HTTP 500`; null while enabled. */
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export class WebhookWithSecret extends Webhook {
  /**
   * The signing secret, `whsec_` + base64 (Standard Webhooks): give it to your receiver's library. Shown only in
   * this answer; rotate it to get a new one.
   */
  secret: string;
}

export class WebhookListQuery extends PageQuery {}

export class WebhookList {
  /** Newest first: the API key's own webhooks only. */
  items: Webhook[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
}

export class WebhookDeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; null when no answer came (target refused, connection failed, timeout). */
  statusCode: number | null;
  latencyMs: number;
  /** Why the attempt failed (`HTTP 500`, `HTTP 302: redirects are not followed`, `target refused: …`); null on success. */
  error: string | null;
}

export class WebhookDelivery {
  /** The same on every attempt: the `webhook-id` header is `msg_<id>`. */
  id: string;
  /** The event's id: its entry id in its connection's stream (task events or changes), or the test's own id. */
  eventId: string;
  @ApiProperty({ enum: [...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT], enumName: 'WebhookPayloadType' })
  eventType: PayloadType;
  /**
   * `pending` while attempts remain, `succeeded` on a 2xx, `failed` when every attempt failed, `discarded` when
   * the webhook was disabled or deleted before the next attempt.
   */
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed', 'discarded'], enumName: 'WebhookDeliveryStatus' })
  status: 'pending' | 'succeeded' | 'failed' | 'discarded';
  /** Every attempt so far, oldest first. */
  attempts: WebhookDeliveryAttempt[];
  /** When the next attempt is due; null unless one is. */
  nextRetryAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export class WebhookDeliveryListQuery extends PageQuery {}

export class WebhookDeliveryList {
  /** Newest first; kept `webhooks.deliveryRetentionHours`. */
  items: WebhookDelivery[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
}
