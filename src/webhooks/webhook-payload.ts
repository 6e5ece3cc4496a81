import type { ResourceChange } from '../tasks/resource-change';
import type { TaskEvent } from '../tasks/task-event';
import { WEBHOOK_TEST_EVENT, type PayloadType } from './webhook';

/** The JSON body of every delivery (docs/design.md#webhooks). */
export interface WebhookPayload {
  type: PayloadType;
  /** When the event happened (its stream entry's time), ISO 8601. */
  timestamp: string;
  data: unknown;
}

/** The time of a stream entry id (`<ms>-<seq>`). */
export function streamTime(entryId: string): string {
  const ms = Number(entryId.split('-')[0]);
  return new Date(Number.isFinite(ms) ? ms : Date.now()).toISOString();
}

/** A task event's payload: its TaskSummary. */
export function taskPayload(event: TaskEvent): WebhookPayload {
  return { type: event.type, timestamp: streamTime(event.id), data: event.task };
}

/** A `resource.changed` payload: the change without its stream id. */
export function changePayload(change: ResourceChange): WebhookPayload {
  const { id, ...data } = change;
  return { type: 'resource.changed', timestamp: streamTime(id), data };
}

export function testPayload(webhookId: string, now: Date): WebhookPayload {
  return { type: WEBHOOK_TEST_EVENT, timestamp: now.toISOString(), data: { webhookId } };
}
