import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS, REDIS_BLOCKING } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { TaskEvent, TaskEventType } from './task-event';
import { encodeEvent, decodeEvent } from './task-event.codec';
import { summarize, type Task } from './task.dto';

type Listener = (event: TaskEvent) => void;

/**
 * Task events on a Redis stream (docs/design.md#task-events-and-sse: SSE ◀── Redis stream ◀── tasks), so any
 * API process can serve and resume any client. One blocking reader per process fans events out to its local
 * listeners.
 */
@Injectable()
export class TaskEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskEvents.name);
  private readonly listeners = new Set<Listener>();
  private lastId: string | null = null;
  private reading: Promise<void> | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_BLOCKING) private readonly blocking: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async publish(type: TaskEventType, task: Task): Promise<string> {
    const id = await this.redis.xadd(
      keys.events(),
      'MAXLEN',
      '~',
      this.config.events.retainEvents,
      '*',
      ...encodeEvent(type, summarize(task)),
    );
    return id ?? '';
  }

  /** Events strictly after `afterId`, oldest first. */
  async range(afterId: string, count: number): Promise<TaskEvent[]> {
    const entries = (await this.redis.xrange(keys.events(), `(${afterId}`, '+', 'COUNT', count)) as Array<
      [string, string[]]
    >;
    return entries.map(([id, fields]) => decodeEvent(id, fields)).filter((e): e is TaskEvent => e !== null);
  }

  /**
   * Registers a listener for events published from now on. Resolves once the reader's position is fixed,
   * so a caller that checks state after subscribing cannot miss an event in between.
   */
  async subscribe(listener: Listener): Promise<() => void> {
    await this.ensureReader();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  private ensureReader(): Promise<void> {
    if (this.reading) return Promise.resolve();
    this.starting ??= (async () => {
      const last = (await this.redis.xrevrange(keys.events(), '+', '-', 'COUNT', 1)) as Array<
        [string, string[]]
      >;
      this.lastId = last[0]?.[0] ?? '0-0';
      this.reading = this.readLoop();
    })();
    return this.starting;
  }

  private async readLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const result = await this.blocking.xread(
          'COUNT',
          500,
          'BLOCK',
          5000,
          'STREAMS',
          keys.events(),
          this.lastId!,
        );
        for (const [, entries] of result ?? []) {
          for (const [id, fields] of entries) {
            this.lastId = id;
            const event = decodeEvent(id, fields);
            if (!event) continue;
            for (const listener of this.listeners) {
              try {
                listener(event);
              } catch (error) {
                this.logger.warn(`event listener failed: ${String(error)}`);
              }
            }
          }
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn(`event stream read failed, retrying: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }
}
