import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS, REDIS_BLOCKING } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { TaskEvent, TaskEventType } from './task-event';
import { encodeEvent, decodeEvent } from './task-event.codec';
import { readMerged, type StreamChunk, type StreamPositions } from './task-event-merge';
import { blockingCopy, slotGroups } from './task-event-slots';
import { summarize, type Task } from './task.dto';

type Listener = (event: TaskEvent) => void;

/** A listener registered by `follow`, and where each stream stood when it was. */
export interface Following {
  /** The last entry id of each connection's stream the listener will not get (`0-0`: none); a copy. */
  positions: StreamPositions;
  stop: () => void;
}

const READ_BATCH = 500;
const BLOCK_MS = 5_000;

/**
 * Task events on one Redis stream per connection (`keys.events(connection)`, docs/design.md#task-events-and-sse),
 * so a connection's events live in its slot and any API process can serve and resume any client. Readers fan out
 * over the connections: `range` merges a page of several streams; the live reader of a process blocks on every
 * stream at once where one command may name them all (one server, Sentinel), and on each connection's stream
 * with a client of its own on a cluster (one XREAD may not name streams of different slots).
 */
@Injectable()
export class TaskEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskEvents.name);
  private readonly listeners = new Set<Listener>();
  /** The configured connections, whose streams are read. */
  readonly connections: readonly string[];
  /** Where the live reader stands in each stream: the last entry id handed to the listeners. */
  private readonly live: StreamPositions = new Map();
  private readonly copies: Redis[] = [];
  private starting: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_BLOCKING) private readonly blocking: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.connections = config.providers.map((connection) => connection.name);
  }

  async publish(type: TaskEventType, task: Task): Promise<string> {
    const id = await this.redis.xadd(
      keys.events(task.provider),
      'MAXLEN',
      '~',
      this.config.events.retainEvents,
      '*',
      ...encodeEvent(type, summarize(task)),
    );
    return id ?? '';
  }

  /**
   * The first `count` events after `from`, merged across streams (time, then connection, then sequence). `from`
   * is a position per connection (only those streams are read) or one stream id, taken as that position on
   * every configured connection's stream.
   */
  async range(from: ReadonlyMap<string, string> | string, count: number): Promise<TaskEvent[]> {
    const positions = typeof from === 'string' ? new Map(this.connections.map((name) => [name, from])) : from;
    return readMerged(positions, count, (connection, afterId, n) => this.readStream(connection, afterId, n));
  }

  /**
   * Registers a listener for events published from now on. Resolves once the reader's position is fixed,
   * so a caller that checks state after subscribing cannot miss an event in between.
   */
  async subscribe(listener: Listener): Promise<() => void> {
    return (await this.follow(listener)).stop;
  }

  /**
   * `subscribe`, answering too where each stream stood at that moment: the listener gets every event after
   * those positions and none before, so a client's catch-up can start exactly there.
   */
  async follow(listener: Listener): Promise<Following> {
    await this.ensureReader();
    // Taken in the same turn as the listener is added: no event can fall between the two.
    this.listeners.add(listener);
    return { positions: new Map(this.live), stop: () => this.listeners.delete(listener) };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    // Ends their blocking reads at once; the shared blocking client is the Redis module's to close.
    for (const copy of this.copies) copy.disconnect();
  }

  /** One stream's entries after `afterId`; entries of another connection (none are written) are skipped. */
  private async readStream(connection: string, afterId: string, count: number): Promise<StreamChunk> {
    const entries = (await this.redis.xrange(
      keys.events(connection),
      `(${afterId}`,
      '+',
      'COUNT',
      count,
    )) as Array<[string, string[]]>;
    return {
      events: entries.flatMap(([id, fields]) => this.decode(connection, id, fields)),
      last: entries.length ? entries[entries.length - 1][0] : null,
      more: entries.length === count,
    };
  }

  private decode(connection: string, id: string, fields: string[]): TaskEvent[] {
    const event = decodeEvent(id, fields);
    return event && event.provider === connection ? [event] : [];
  }

  private ensureReader(): Promise<void> {
    this.starting ??= (async () => {
      const last = await Promise.all(
        this.connections.map(
          (name) =>
            this.redis.xrevrange(keys.events(name), '+', '-', 'COUNT', 1) as Promise<
              Array<[string, string[]]>
            >,
        ),
      );
      this.connections.forEach((name, i) => this.live.set(name, last[i][0]?.[0] ?? '0-0'));
      const byKey = new Map(this.connections.map((name) => [keys.events(name), name]));
      // After shutdown, no client of its own is made (nothing would close it).
      const groups = this.stopped ? [] : slotGroups(this.blocking, [...byKey.keys()]);
      groups.forEach((group, i) => {
        const client = i === 0 ? this.blocking : blockingCopy(this.blocking, 'gateway-events');
        if (client !== this.blocking) this.copies.push(client);
        void this.readLoop(
          client,
          group.map((key) => byKey.get(key)!),
        );
      });
    })().catch((error: unknown) => {
      // Not fixed: the next subscriber tries again.
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  /** Blocks on a group of streams one command may name, and hands what arrives to every listener. */
  private async readLoop(client: Redis, connections: string[]): Promise<void> {
    while (!this.stopped) {
      try {
        const result = await client.xread(
          'COUNT',
          READ_BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...connections.map((name) => keys.events(name)),
          ...connections.map((name) => this.live.get(name)!),
        );
        for (const [key, entries] of result ?? []) {
          const connection = connections.find((name) => keys.events(name) === key);
          if (!connection) continue;
          for (const [id, fields] of entries) {
            this.live.set(connection, id);
            for (const event of this.decode(connection, id, fields)) this.dispatch(event);
          }
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`event stream read failed, retrying: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }

  private dispatch(event: TaskEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn(`event listener failed: ${String(error)}`);
      }
    }
  }
}
