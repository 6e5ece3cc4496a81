import type { TaskEvent } from '../../tasks/task-event';
import type { TaskSummary } from '../../tasks/task.dto';
import { EventFeed } from './event-feed';
import type { SseStream } from './sse-stream';

/** A stream whose client takes `capacity` writes before it is behind, and drains when told. */
class FakeStream {
  written: string[] = [];
  closed = false;
  private room: number;
  private waiting: Array<(drained: boolean) => void> = [];
  constructor(private readonly capacity: number) {
    this.room = capacity;
  }
  write(chunk: string): boolean {
    if (this.closed) return false;
    this.written.push(/^id: (\S+)/.exec(chunk)![1]);
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

const event = (n: number, provider = 'a'): TaskEvent => ({
  id: `${n}-0`,
  type: 'task.updated',
  provider,
  taskId: String(n),
  task: { id: String(n), provider } as TaskSummary,
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('EventFeed', () => {
  let log: TaskEvent[];
  const range = async (afterId: string, count: number) => {
    const after = Number(afterId.split('-')[0]);
    return log.filter((e) => Number(e.taskId) > after).slice(0, count);
  };
  const publish = (feed: EventFeed, n: number, provider = 'a') => {
    const e = event(n, provider);
    log.push(e);
    feed.push(e);
  };

  beforeEach(() => (log = []));

  it('sends live events in order while the client keeps up', () => {
    const stream = new FakeStream(100);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, null);
    feed.start();
    for (let n = 1; n <= 5; n++) publish(feed, n);
    expect(stream.written).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
  });

  it('holds nothing while the client is behind and reads the missed events from the log once it drains', async () => {
    const stream = new FakeStream(3);
    const feed = new EventFeed(stream as unknown as SseStream, range, (e) => e.provider === 'a', null);
    feed.start();
    for (let n = 1; n <= 20; n++) publish(feed, n, n % 4 === 0 ? 'b' : 'a');
    // Three written, then the client is behind: the rest is not queued anywhere.
    expect(stream.written).toEqual(['1-0', '2-0', '3-0']);
    for (let i = 0; i < 20; i++) {
      stream.drain();
      await settle();
    }
    publish(feed, 21);
    for (let i = 0; i < 5; i++) {
      stream.drain();
      await settle();
    }
    const expected = log.filter((e) => e.provider === 'a').map((e) => e.id);
    expect(stream.written).toEqual(expected);
  });

  it('replays from Last-Event-ID before going live, without gaps or repeats', async () => {
    for (let n = 1; n <= 1_200; n++) log.push(event(n));
    const stream = new FakeStream(10_000);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, '100-0');
    feed.start();
    publish(feed, 1_201); // live while replaying: read from the log instead
    await settle();
    await settle();
    publish(feed, 1_202);
    expect(stream.written).toEqual(log.filter((e) => Number(e.taskId) > 100).map((e) => e.id));
  });

  it('stops when the stream closes', async () => {
    for (let n = 1; n <= 10; n++) log.push(event(n));
    const stream = new FakeStream(2);
    const feed = new EventFeed(stream as unknown as SseStream, range, () => true, '0-0');
    feed.start();
    await settle();
    stream.close();
    await settle();
    publish(feed, 11);
    expect(stream.written).toEqual(['1-0', '2-0']);
  });
});
