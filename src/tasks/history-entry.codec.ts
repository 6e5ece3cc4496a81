import type { ResourceType } from '../domain/states';

/** Who made a history entry: a task of ours, or a change seen in a backend read (docs/design.md#history). */
export type HistorySource = 'gateway' | 'observed';
export type HistoryStatus = 'succeeded' | 'failed' | 'canceled';

/** One entry of a resource's history, as the codec reads it back. */
export interface HistoryEntry {
  /** Epoch milliseconds (the Redis clock of the write). */
  at: number;
  source: HistorySource;
  /** `server.stop`...: the operation of a task; `state.changed` for an observed change. */
  action: string;
  actor: { keyName: string } | null;
  taskId: string | null;
  status: HistoryStatus | null;
  fromState: string | null;
  toState: string | null;
}

/** What an observed change is called in the history. */
export const OBSERVED_ACTION = 'state.changed';

/**
 * One entry is one short line, fields joined by `|` (docs/design.md#history):
 *
 *   at|source|status|verb|from|to|taskId|actor
 *
 * `at` is base36 milliseconds, `source` is `g` or `o`, `status` is `s`/`f`/`c` or empty, `verb` is the operation
 * without its type (the list is per resource, so the type is known: `stop` for `server.stop`; empty for an
 * observed change), an empty state is null, and the actor's key name comes last so it may hold any character.
 * No JSON keys: an entry costs its values and 7 bytes of separators. The Lua scripts build lines from the two
 * halves `lineParts` gives, around the time and the from-state only they know.
 */
const SEP = '|';
const SOURCE_CODE: Record<HistorySource, string> = { gateway: 'g', observed: 'o' };
const STATUS_CODE: Record<HistoryStatus, string> = { succeeded: 's', failed: 'f', canceled: 'c' };
const SOURCE_OF: Record<string, HistorySource> = { g: 'gateway', o: 'observed' };
const STATUS_OF: Record<string, HistoryStatus> = { s: 'succeeded', f: 'failed', c: 'canceled' };

/** A state or name as it may sit between separators (they never hold one; a stray one is cut, not escaped). */
const field = (value: string | null): string => (value ?? '').replaceAll(SEP, '').replaceAll('\n', '');

const verbOf = (type: ResourceType, action: string): string =>
  action === OBSERVED_ACTION ? '' : action.startsWith(`${type}.`) ? action.slice(type.length + 1) : action;

/**
 * The line of an entry without its time and from-state: `${base36(at)}|${before}${fromState}${after}` is the
 * whole line (what encodeEntry returns).
 */
export function lineParts(
  type: ResourceType,
  entry: Omit<HistoryEntry, 'at' | 'fromState'>,
): { before: string; after: string } {
  const before = [
    SOURCE_CODE[entry.source],
    entry.status ? STATUS_CODE[entry.status] : '',
    field(verbOf(type, entry.action)),
  ]
    .map((part) => part + SEP)
    .join('');
  const after = [
    '',
    field(entry.toState),
    field(entry.taskId),
    (entry.actor?.keyName ?? '').replaceAll('\n', ''),
  ].join(SEP);
  return { before, after };
}

export function encodeEntry(type: ResourceType, entry: HistoryEntry): string {
  const { before, after } = lineParts(type, entry);
  return `${Math.max(0, Math.floor(entry.at)).toString(36)}${SEP}${before}${field(entry.fromState)}${after}`;
}

/** A stored line as an entry; null when it is not one this version can read (skipped, never a failure). */
export function decodeEntry(type: ResourceType, line: string): HistoryEntry | null {
  const parts = line.split(SEP);
  if (parts.length < 8) return null;
  const [at36, source, status, verb, from, to, taskId] = parts;
  const actor = parts.slice(7).join(SEP);
  if (!/^[0-9a-z]{1,12}$/.test(at36)) return null;
  const at = parseInt(at36, 36);
  const src = SOURCE_OF[source];
  if (!src || (status && !STATUS_OF[status])) return null;
  return {
    at,
    source: src,
    action: verb ? `${type}.${verb}` : OBSERVED_ACTION,
    actor: actor ? { keyName: actor } : null,
    taskId: taskId || null,
    status: status ? STATUS_OF[status] : null,
    fromState: from || null,
    toState: to || null,
  };
}
