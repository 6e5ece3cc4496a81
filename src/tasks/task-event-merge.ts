import type { TaskEvent } from './task-event';

/**
 * The order of events across connections' streams (docs/design.md#task-events-and-sse): by the time in their
 * entry ids, then by connection name, then by the entry's sequence. Each stream keeps its own order; the times of
 * different streams come from different Redis clocks on a cluster, so this is the order of a page, not a promise
 * that a later page holds no older entry (the per-stream positions of the cursor cover that).
 */

/** Where each connection's stream was read up to (the last entry id handled), by connection. */
export type StreamPositions = Map<string, string>;

const MAX_U64 = 2n ** 64n - 1n;

/** `<ms>-<seq>` as two numbers; null when it is not a stream id Redis takes (each part a u64). */
export function parseStreamId(id: string): [bigint, bigint] | null {
  const match = /^(\d{1,20})-(\d{1,20})$/.exec(id);
  if (!match) return null;
  const ms = BigInt(match[1]);
  const seq = BigInt(match[2]);
  return ms <= MAX_U64 && seq <= MAX_U64 ? [ms, seq] : null;
}

/** Compares two stream ids of one stream: negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a) ?? [0n, 0n];
  const [bm, bs] = parseStreamId(b) ?? [0n, 0n];
  return am !== bm ? (am < bm ? -1 : 1) : as !== bs ? (as < bs ? -1 : 1) : 0;
}

/** The merge order of events of different streams: time, then connection, then sequence. */
export function compareEvents(a: TaskEvent, b: TaskEvent): number {
  const [am, as] = parseStreamId(a.id) ?? [0n, 0n];
  const [bm, bs] = parseStreamId(b.id) ?? [0n, 0n];
  if (am !== bm) return am < bm ? -1 : 1;
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return as !== bs ? (as < bs ? -1 : 1) : 0;
}

/** One read of one stream: the events after `afterId` (at most `count` entries), and whether more may follow. */
export interface StreamChunk {
  events: TaskEvent[];
  /** The id of the last entry read, readable or not; null when none was. */
  last: string | null;
  /** False when the stream had fewer than `count` entries left. */
  more: boolean;
}

export type StreamReader = (connection: string, afterId: string, count: number) => Promise<StreamChunk>;

interface Cursor {
  connection: string;
  after: string;
  buffer: TaskEvent[];
  more: boolean;
}

/**
 * The first `count` events after `positions`, merged in the order above: a k-way merge that reads each stream in
 * chunks, so a page costs about twice `count` entries read (at least 8 a stream), however many streams it spans. A stream is read again only
 * once its chunk is used up and it may hold more; an event is taken only when every stream that may hold an
 * earlier one has a chunk to compare with.
 */
export async function readMerged(
  positions: ReadonlyMap<string, string>,
  count: number,
  read: StreamReader,
): Promise<TaskEvent[]> {
  if (count <= 0 || positions.size === 0) return [];
  // Twice a fair share each: about two pages read for one, and few streams need a second read.
  const chunk = Math.min(count, Math.max(8, Math.ceil((2 * count) / positions.size)));
  const cursors: Cursor[] = [...positions].map(([connection, after]) => ({
    connection,
    after,
    buffer: [],
    more: true,
  }));
  const out: TaskEvent[] = [];
  for (;;) {
    // Refill, at once, every stream whose chunk is used up and that may hold more.
    const empty = cursors.filter((c) => c.buffer.length === 0 && c.more);
    await Promise.all(
      empty.map(async (c) => {
        const got = await read(c.connection, c.after, chunk);
        c.buffer = got.events;
        c.more = got.more;
        if (got.last) c.after = got.last;
      }),
    );
    // A chunk of entries this version cannot read: read on before comparing.
    if (cursors.some((c) => c.buffer.length === 0 && c.more)) continue;
    while (out.length < count) {
      let first: Cursor | null = null;
      for (const c of cursors)
        if (c.buffer.length && (!first || compareEvents(c.buffer[0], first.buffer[0]) < 0)) first = c;
      if (!first) return out;
      out.push(first.buffer.shift()!);
      if (first.buffer.length === 0 && first.more) break;
    }
    if (out.length >= count) return out;
  }
}
