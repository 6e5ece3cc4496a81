import type { TaskEvent } from '../../tasks/task-event';
import { compareEvents, compareStreamIds, readMerged } from '../../tasks/task-event-merge';
import type { TaskSummary } from '../../tasks/task.dto';
import { decodeCursor } from './event-cursor';
import { EventFeed } from './event-feed';
import type { SseStream } from './sse-stream';

/** A stream whose client takes `capacity` writes before it is behind, and drains when told. */
class FakeStream {
  /** `<connection>@<entry id>` of each event written, and the id (cursor) it was sent with. */
  written: string[] = [];
  cursors: string[] = [];
  closed = false;
  private room: number;
  private waiting: Array<(drained: boolean) => void> = [];
  constructor(private readonly capacity: number) {
    this.room = capacity;
  }
  write(chunk: string): boolean {
    if (this.closed) return false;
    this.cursors.push(/^id: (\S+)/.exec(chunk)![1]);
    const task = JSON.parse(/\ndata: (.*)\n/.exec(chunk)![1]) as TaskSummary;
    this.written.push(task.id);
    return --this.room > 0;
  }
  drained(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.room > 0) return Promise.resolve(true);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  drain(): void {
    this.room = this.capacity;
    for (const wake of this.waiting.splice(0)) wake(true);
  }
  close(): void {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(false);
  }
}

const event = (provider: string, id: string): TaskEvent => ({
  id,
  type: 'task.updated',
  provider,
  taskId: `${provider}@${id}`,
  task: { id: `${provider}@${id}`, provider } as TaskSummary,
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('EventFeed', () => {
  /** Each connection's stream, as Redis holds it. */
  let log: Map<string, TaskEvent[]>;
  const range = (positions: ReadonlyMap<string, string>, count: number) =>
    readMerged(positions, count, async (connection, afterId, n) => {
      const entries = (log.get(connection) ?? [])
        .filter((e) => compareStreamIds(e.id, afterId) > 0)
        .slice(0, n);
      return { events: entries, last: entries.at(-1)?.id ?? null, more: entries.length === n };
    });
  /** Published: stored in its stream, then handed to the feed as the live reader would. */
  const publish = (feed: EventFeed | null, provider: string, id: string) => {
    const e = event(provider, id);
    log.set(provider, [...(log.get(provider) ?? []), e]);
    feed?.push(e);
    return e;
  };
  const start = (streams: string[], at = '0-0') => new Map(streams.map((s) => [s, at]));
  const sorted = (filter: (e: TaskEvent) => boolean = () => true) =>
    [...log.values()]
      .flat()
      .filter(filter)
      .sort(compareEvents)
      .map((e) => e.taskId);

  beforeEach(() => (log = new Map()));

  it('sends live events in order while the client keeps up, each with the positions after it', () => {
    const stream = new FakeStream(100);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, start(['a', 'b']), false);
    feed.start();
    publish(feed, 'a', '1-0');
    publish(feed, 'b', '1-0');
    publish(feed, 'a', '2-0');
    expect(stream.written).toEqual(['a@1-0', 'b@1-0', 'a@2-0']);
    expect(stream.cursors.map((c) => decodeCursor(c, ['a', 'b']))).toEqual([
      new Map([
        ['a', '1-0'],
        ['b', '0-0'],
      ]),
      new Map([
        ['a', '1-0'],
        ['b', '1-0'],
      ]),
      new Map([
        ['a', '2-0'],
        ['b', '1-0'],
      ]),
    ]);
  });

  it('ignores streams it does not follow, and events at or before its positions', () => {
    const stream = new FakeStream(100);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, start(['a'], '5-0'), false);
    feed.start();
    publish(feed, 'b', '9-0');
    publish(feed, 'a', '5-0');
    publish(feed, 'a', '6-0');
    publish(feed, 'a', '6-0');
    expect(stream.written).toEqual(['a@6-0']);
  });

  it('holds nothing while the client is behind and reads the missed events from the streams once it drains', async () => {
    const stream = new FakeStream(3);
    const feed = new EventFeed(
      stream as unknown as SseStream,
      range,
      (e) => e.provider !== 'c',
      start(['a', 'b', 'c']),
      false,
      4,
    );
    feed.start();
    for (let ms = 1; ms <= 20; ms++) publish(feed, ms % 4 === 0 ? 'c' : ms % 3 ? 'a' : 'b', `${ms}-0`);
    // Three written, then the client is behind: the rest is not queued anywhere.
    expect(stream.written).toHaveLength(3);
    for (let i = 0; i < 30; i++) {
      stream.drain();
      await settle();
    }
    publish(feed, 'b', '21-0');
    for (let i = 0; i < 5; i++) {
      stream.drain();
      await settle();
    }
    expect(stream.written).toEqual(sorted((e) => e.provider !== 'c'));
  });

  it('replays from a cursor across interleaved streams, page by page, before going live: no gap, no repeat', async () => {
    // Two connections publishing in the same milliseconds, a third now and then; pages of 7.
    for (let ms = 1; ms <= 40; ms++) {
      publish(null, 'a', `${ms}-0`);
      if (ms % 2) publish(null, 'b', `${ms}-0`);
      if (ms % 2) publish(null, 'b', `${ms}-1`);
      if (ms % 9 === 0) publish(null, 'c', `${ms}-0`);
    }
    const at = new Map([
      ['a', '10-0'],
      ['b', '11-0'],
      ['c', '9-0'],
    ]);
    const stream = new FakeStream(10_000);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, at, true, 7);
    feed.start();
    publish(feed, 'b', '41-0'); // live while replaying: read from the streams instead
    await settle();
    publish(feed, 'a', '41-0');
    for (let i = 0; i < 20; i++) await settle();
    publish(feed, 'c', '42-0');
    const after = (e: TaskEvent) => compareStreamIds(e.id, at.get(e.provider)!) > 0;
    const expected = sorted((e) => after(e) && Number(e.id.split('-')[0]) <= 40);
    expect(stream.written.slice(0, expected.length)).toEqual(expected);
    expect([...stream.written].sort()).toEqual(sorted(after).sort());
    expect(new Set(stream.written).size).toBe(stream.written.length);
    // Resuming from any event's id sends exactly what came after it.
    for (const index of [0, 6, 7, 20, stream.written.length - 2]) {
      const resumed = new FakeStream(10_000);
      const from = decodeCursor(stream.cursors[index], ['a', 'b', 'c'])!;
      const again = new EventFeed(resumed as unknown as SseStream, range, () => true, from, true, 7);
      again.start();
      for (let i = 0; i < 20; i++) await settle();
      expect([...resumed.written].sort()).toEqual(stream.written.slice(index + 1).sort());
    }
  });

  it('does not skip an event of a shard whose clock is behind, live or resumed', async () => {
    const stream = new FakeStream(100);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, start(['a', 'b']), false);
    feed.start();
    publish(feed, 'a', '20000-0');
    const cursor = stream.cursors[0];
    // b's shard is 10 s behind: its event comes later and carries an older time.
    publish(feed, 'b', '10000-0');
    expect(stream.written).toEqual(['a@20000-0', 'b@10000-0']);
    const resumed = new FakeStream(100);
    const again = new EventFeed(
      resumed as unknown as SseStream,
      range,
      () => true,
      decodeCursor(cursor, ['a', 'b'])!,
      true,
    );
    again.start();
    for (let i = 0; i < 5; i++) await settle();
    expect(resumed.written).toEqual(['b@10000-0']);
  });

  it('stops when the stream closes', async () => {
    for (let ms = 1; ms <= 10; ms++) publish(null, 'a', `${ms}-0`);
    const stream = new FakeStream(2);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, start(['a']), true);
    feed.start();
    await settle();
    stream.close();
    await settle();
    publish(feed, 'a', '11-0');
    expect(stream.written).toEqual(['a@1-0', 'a@2-0']);
  });
});
