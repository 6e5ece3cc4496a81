import type { WebhookRecord } from './webhook';

/** The facts of an event that decide who gets it. */
export interface MatchableEvent {
  type: string;
  /** The connection the event is about. */
  provider: string;
}

/**
 * Whether a webhook gets an event (docs/design.md#webhooks): it is enabled; it asked for the type (or `*`); the
 * event's connection is among its `providers` when it named some; and its owner key is still configured and may
 * see that connection now (`canSee` answers for the key as the config says today, so a key whose connections were
 * taken away stops receiving at once).
 */
export function matches(
  webhook: Pick<WebhookRecord, 'enabled' | 'events' | 'providers' | 'keyName'>,
  event: MatchableEvent,
  canSee: (keyName: string, provider: string) => boolean,
): boolean {
  if (!webhook.enabled) return false;
  if (!webhook.events.includes('*') && !(webhook.events as string[]).includes(event.type)) return false;
  if (webhook.providers && !webhook.providers.includes(event.provider)) return false;
  return canSee(webhook.keyName, event.provider);
}
