import type { ResourceType } from '../domain/states';

/**
 * A `resource.changed` event: a state change the gateway saw in a backend read that no task of ours made (someone
 * used the backend's own console). Kept on its connection's change stream (`keys.changes(connection)`), beside
 * that connection's task events.
 */
export interface ResourceChange {
  /** Stream entry id. */
  id: string;
  type: 'resource.changed';
  provider: string;
  resource: { type: ResourceType; id: string };
  /** null: the gateway had not seen the resource before. */
  fromState: string | null;
  /** `deleted` when it went from the backend's list. */
  toState: string;
  observedAt: string;
}

/**
 * Stream fields of a change: one JSON field, read back by decodeChange. The history's Lua script writes the same
 * field without `observedAt` (Lua has no calendar): the entry id's milliseconds are that time.
 */
export function encodeChange(change: Omit<ResourceChange, 'id' | 'type'>): string[] {
  return ['j', JSON.stringify(change)];
}

/** A stream entry as a change; null when it is not one this version can read. */
export function decodeChange(id: string, fields: string[]): ResourceChange | null {
  const at = fields.indexOf('j');
  if (at < 0 || at % 2 !== 0) return null;
  try {
    const body = JSON.parse(fields[at + 1]) as Omit<ResourceChange, 'id' | 'type'>;
    if (typeof body?.provider !== 'string' || typeof body.resource?.id !== 'string') return null;
    const ms = Number(id.split('-')[0]);
    const observedAt = body.observedAt ?? (Number.isFinite(ms) ? new Date(ms).toISOString() : '');
    return { id, type: 'resource.changed', ...body, fromState: body.fromState ?? null, observedAt };
  } catch {
    return null;
  }
}
