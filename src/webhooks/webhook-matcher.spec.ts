import { matches } from './webhook-matcher';
import type { WebhookRecord } from './webhook';

const webhook = (fields: Partial<WebhookRecord> = {}) => ({
  enabled: true,
  events: ['*'] as WebhookRecord['events'],
  providers: null,
  keyName: 'tenant-a',
  ...fields,
});
const visible = new Map([['tenant-a', new Set(['cm-a', 'im-a'])]]);
const canSee = (key: string, provider: string) => visible.get(key)?.has(provider) ?? false;
const event = (type: string, provider = 'cm-a') => ({ type, provider });

describe('webhook matching', () => {
  it('should match `*` and the listed types only', () => {
    expect(matches(webhook(), event('task.created'), canSee)).toBe(true);
    expect(matches(webhook(), event('resource.changed'), canSee)).toBe(true);
    const some = webhook({ events: ['task.succeeded', 'task.failed'] });
    expect(matches(some, event('task.succeeded'), canSee)).toBe(true);
    expect(matches(some, event('task.created'), canSee)).toBe(false);
  });

  it('should match the named providers only, and every visible one when none are named', () => {
    expect(matches(webhook({ providers: ['im-a'] }), event('task.created', 'cm-a'), canSee)).toBe(false);
    expect(matches(webhook({ providers: ['im-a'] }), event('task.created', 'im-a'), canSee)).toBe(true);
    expect(matches(webhook({ providers: null }), event('task.created', 'im-a'), canSee)).toBe(true);
  });

  it('should never match an event of a connection the owner key may not see, or of a key that is gone', () => {
    expect(matches(webhook(), event('task.created', 'cs-b'), canSee)).toBe(false);
    // A provider named when the key could see it, then taken from the key.
    expect(matches(webhook({ providers: ['cs-b'] }), event('task.created', 'cs-b'), canSee)).toBe(false);
    expect(matches(webhook({ keyName: 'removed' }), event('task.created'), canSee)).toBe(false);
  });

  it('should never match a disabled webhook', () => {
    expect(matches(webhook({ enabled: false }), event('task.created'), canSee)).toBe(false);
  });
});
