import type { TaskEvent } from '../../tasks/task-event';
import type { SseStream } from './sse-stream';

const BATCH = 500;

/** True when stream id `a` comes after `b`. */
export function after(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am > bm || (am === bm && as > bs);
}

/**
 * Feeds one stream its events in order, live while the client keeps up, and from the Redis stream otherwise:
 * when the client's socket is full (a write refused) live events are not queued in memory but read again from
 * Redis once it has drained, from the last event handled. The same catch-up replays from `Last-Event-ID`.
 * So a stream holds at most the socket's buffer and one event, however far behind its client is; one that
 * stops reading is dropped by its SseStream (drain timeout).
 */
export class EventFeed {
  /** Id of the last event handled (sent, or skipped by the filter); where a catch-up reads on from. */
  private position: string | null;
  private catchingUp = false;
  /** A live event came while catching up: read on once more before going live. */
  private missed = false;

  constructor(
    private readonly stream: SseStream,
    private readonly range: (afterId: string, count: number) => Promise<TaskEvent[]>,
    private readonly matches: (event: TaskEvent) => boolean,
    resumeFrom: string | null,
  ) {
    this.position = resumeFrom;
  }

  /** Starts the feed: a replay from `Last-Event-ID` first, when there is one. */
  start(): void {
    if (this.position !== null) this.catchUp();
  }

  /** An event from the live reader. */
  push(event: TaskEvent): void {
    if (this.stream.closed) return;
    if (this.catchingUp) {
      this.missed = true;
      return;
    }
    if (!this.handle(event)) this.catchUp();
  }

  /** False when the client is behind (or gone). */
  private handle(event: TaskEvent): boolean {
    if (this.position !== null && !after(event.id, this.position)) return true;
    this.position = event.id;
    if (!this.matches(event)) return true;
    return this.stream.write(
      `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.task)}\n\n`,
    );
  }

  private catchUp(): void {
    this.catchingUp = true;
    this.missed = false;
    // Redis failing mid-stream: end it; the client reconnects and resumes from its Last-Event-ID.
    this.run().catch(() => this.stream.close('interrupted'));
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.position === null) {
        this.catchingUp = false;
        return;
      }
      if (!(await this.stream.drained())) return;
      const batch = await this.range(this.position, BATCH);
      for (const event of batch) {
        if (this.stream.closed) return;
        if (!this.handle(event) && !(await this.stream.drained())) return;
      }
      if (batch.length === BATCH) continue;
      if (this.missed) {
        this.missed = false;
        continue;
      }
      this.catchingUp = false;
      return;
    }
  }
}
