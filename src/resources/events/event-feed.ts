import type { TaskEvent } from '../../tasks/task-event';
import { compareStreamIds, type StreamPositions } from '../../tasks/task-event-merge';
import { encodeCursor } from './event-cursor';
import type { SseStream } from './sse-stream';

const BATCH = 500;

/** Reads the first `count` events after the positions, merged across their streams (TaskEvents.range). */
export type EventRange = (positions: ReadonlyMap<string, string>, count: number) => Promise<TaskEvent[]>;

/**
 * Feeds one stream its events in order, live while the client keeps up, and from the Redis streams otherwise:
 * when the client's socket is full (a write refused) live events are not queued in memory but read again from
 * Redis once it has drained, from the last event handled. The same catch-up replays from `Last-Event-ID`.
 * So a stream holds at most the socket's buffer and one event, however far behind its client is; one that
 * stops reading is dropped by its SseStream (drain timeout).
 *
 * The feed follows a fixed set of connections' streams and keeps a position in each (docs/design.md#event-cursor):
 * the last entry handled there, sent or skipped by the filter. An event is new when it comes after its stream's
 * position; each one sent carries the positions after it as its id.
 */
export class EventFeed {
  private readonly positions: StreamPositions;
  private catchingUp = false;
  /** A live event came while catching up: read on once more before going live. */
  private missed = false;

  /**
   * @param positions where each followed stream starts: the live reader's positions when subscribing, or the
   *   client's cursor
   * @param resume true when `positions` came from the client: replay from them before going live
   */
  constructor(
    private readonly stream: SseStream,
    private readonly range: EventRange,
    private readonly matches: (event: TaskEvent) => boolean,
    positions: ReadonlyMap<string, string>,
    private readonly resume: boolean,
    private readonly batch = BATCH,
  ) {
    this.positions = new Map(positions);
  }

  /** Starts the feed: a replay from `Last-Event-ID` first, when there is one. */
  start(): void {
    if (this.resume) this.catchUp();
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
    const at = this.positions.get(event.provider);
    // A stream this feed does not follow, or an event it handled already.
    if (at === undefined || compareStreamIds(event.id, at) <= 0) return true;
    this.positions.set(event.provider, event.id);
    if (!this.matches(event)) return true;
    return this.stream.write(
      `id: ${encodeCursor(this.positions)}\nevent: ${event.type}\ndata: ${JSON.stringify(event.task)}\n\n`,
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
      if (this.positions.size === 0) {
        this.catchingUp = false;
        return;
      }
      if (!(await this.stream.drained())) return;
      const batch = await this.range(this.positions, this.batch);
      for (const event of batch) {
        if (this.stream.closed) return;
        if (!this.handle(event) && !(await this.stream.drained())) return;
      }
      if (batch.length === this.batch) continue;
      if (this.missed) {
        this.missed = false;
        continue;
      }
      this.catchingUp = false;
      return;
    }
  }
}
