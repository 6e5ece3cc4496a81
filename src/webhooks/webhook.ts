import type { TaskEventType } from '../tasks/task-event';

/** Event types a webhook subscribes to (docs/design.md#webhooks): the task events, observed changes, or `*`. */
export const WEBHOOK_EVENT_TYPES = [
  'task.created',
  'task.updated',
  'task.succeeded',
  'task.failed',
  'task.canceled',
  'resource.changed',
] as const satisfies ReadonlyArray<TaskEventType | 'resource.changed'>;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** What `events` takes: an event type, or `*` for all of them (and those added later). */
export const WEBHOOK_EVENT_FILTERS = [...WEBHOOK_EVENT_TYPES, '*'] as const;
export type WebhookEventFilter = (typeof WEBHOOK_EVENT_FILTERS)[number];
/** The event `POST /v1/webhooks/{id}/test` sends, whatever the webhook's filter. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
/** Every `type` a payload may carry. */
export type PayloadType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

/** A subscription as stored (docs/design.md#webhooks), less its secret. */
export interface WebhookRecord {
  id: string;
  /** The API key (by configured name) that registered it: the only one that sees it and whose events it gets. */
  keyName: string;
  url: string;
  events: WebhookEventFilter[];
  /** null: every connection the key may see, now and later. */
  providers: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  /** Failed attempts in a row, across deliveries; any success resets it. */
  failureStreak: number;
  createdAt: string;
  updatedAt: string;
}

/** What clients see of a webhook (never the secret, never the owner key's name). */
export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEventFilter[];
  providers: string[] | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function viewOf(record: WebhookRecord): WebhookView {
  return {
    id: record.id,
    url: record.url,
    events: record.events,
    providers: record.providers,
    enabled: record.enabled,
    disabledReason: record.disabledReason,
    disabledAt: record.disabledAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** Webhook ids are ULIDs, like task ids: opaque and sortable by creation time. */
export const WEBHOOK_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
