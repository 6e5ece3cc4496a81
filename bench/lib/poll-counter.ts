import type { Redis } from 'ioredis';
import { ownerOf } from './redis-accounting';
import type { RedisTarget } from './redis-target';

/** Lists begun of one collection, and when the first and the last began (epoch ms). */
export interface PolledCollection {
  count: number;
  first: number;
  last: number;
}

/**
 * Counts the lists the gateway's shared polls make (docs/design.md#coalesced-polling), per connection and
 * collection, from Redis itself: the process that lists a collection first takes its lease (`SET NX` on
 * `keys.pollLease`), so every `set` on a lease key is one list begun for every waiting task of every worker. Read
 * through keyspace notifications, on every node (a cluster node tells only of its own keys). A backend list that
 * takes several pages is still one list here; the upstream call counts show the pages.
 */
export class PollCounter {
  /** Lists begun, by connection, then collection, with the times of the first and the last. */
  readonly lists = new Map<string, Map<string, PolledCollection>>();
  private subscribers: Redis[] = [];

  async start(target: RedisTarget): Promise<void> {
    for (const node of target.nodes) {
      // K: keyspace events, $: string commands (SET). The gateway needs none; it only costs a publish per SET.
      await node.config('SET', 'notify-keyspace-events', 'K$');
      const subscriber = node.duplicate();
      subscriber.on('pmessage', (_pattern: string, channel: string, event: string) => {
        if (event !== 'set') return;
        const key = channel.slice(channel.indexOf(':') + 1);
        const match = /:poll:(.+):lease$/.exec(key);
        if (!match) return;
        const connection = ownerOf(key);
        const collections = this.lists.get(connection) ?? new Map<string, PolledCollection>();
        const now = Date.now();
        const entry = collections.get(match[1]) ?? { count: 0, first: now, last: now };
        entry.count++;
        entry.last = now;
        collections.set(match[1], entry);
        this.lists.set(connection, collections);
      });
      await subscriber.psubscribe('__keyspace@*__:*:poll:*:lease');
      this.subscribers.push(subscriber);
    }
  }

  /**
   * Lists per tick of one collection: n lists over the time from the first to the last are n − 1 intervals (a
   * count over a whole window would add one list at its edge). Null below two lists.
   */
  static perTick(entry: PolledCollection, tickMs: number): number | null {
    if (entry.count < 2 || entry.last <= entry.first) return null;
    return ((entry.count - 1) / (entry.last - entry.first)) * tickMs;
  }

  async stop(target: RedisTarget): Promise<void> {
    this.subscribers.forEach((subscriber) => subscriber.disconnect());
    this.subscribers = [];
    await Promise.all(target.nodes.map((node) => node.config('SET', 'notify-keyspace-events', '')));
  }
}
