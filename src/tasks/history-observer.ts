import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { formatResourceId } from '../common/ids/resource-id';
import { keys } from '../common/redis/keys';
import type { GatewayConfig } from '../config/gateway-config';
import { OBSERVED, READ_STARTED, runScript, script } from './history-scripts';

/** What a backend read hands over once it has the backend's answer. Neither call throws. */
export interface HistoryWatch {
  /** A list answer; `complete` when the adapter left nothing out, so what it lacks is gone. */
  list(items: ReadonlyArray<{ nativeId: string }>, complete: boolean): Promise<void>;
  /** A single read; null when the backend no longer has the resource. */
  item(nativeId: string, item: object | null): Promise<void>;
}

/** What this process last saw of one connection and type, and the version of the Redis hash it matched. */
interface Seen {
  version: string;
  states: Map<string, string>;
}

/**
 * How long after its creation a task of ours that ended but has not written its entry yet keeps an observed entry
 * off its resource (the runner frees the lock just before it writes the history): far longer than that gap, and a
 * bound when a history write was lost.
 */
const TASK_WINDOW_MS = 3_600_000;

const STARTED = script(READ_STARTED);
const OBSERVE = script(OBSERVED);

/**
 * Observed changes (docs/design.md#history): the state of each resource a backend read brings, told against the
 * last state the gateway knows. Each process keeps a copy of the last states it saw with the version of the Redis
 * hash it matched; a read whose states all match that copy, at an unchanged version, costs one small round trip
 * made while the backend answers. Only differences go to Redis, in one script.
 */
export class HistoryObserver {
  private readonly logger = new Logger(HistoryObserver.name);
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly redis: Redis,
    private readonly config: GatewayConfig,
  ) {}

  watch(connection: string, type: string): HistoryWatch {
    // Sent before the backend is asked, so its time is before anything the answer can show.
    const started = runScript(this.redis, STARTED, 1, keys.lastStates(connection, type)) as Promise<
      [string, number]
    >;
    started.catch(() => undefined);
    const guard = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        this.logger.warn(`${connection}: observing ${type} states failed: ${String(error)}`);
      }
    };
    return {
      list: (items, complete) =>
        guard(async () => this.list(connection, type, await started, items, complete)),
      item: (nativeId, item) => guard(async () => this.item(connection, type, await started, nativeId, item)),
    };
  }

  private async list(
    connection: string,
    type: string,
    [version, t0]: [string, number],
    items: ReadonlyArray<{ nativeId: string }>,
    complete: boolean,
  ): Promise<void> {
    const states = new Map<string, string>();
    for (const item of items) {
      const state = (item as { state?: unknown }).state;
      if (typeof state === 'string' && state) states.set(item.nativeId, state);
    }
    const local = this.seen.get(this.key(connection, type));
    const pairs: string[] = [];
    let full = false;
    if (version && local?.version === version) {
      for (const [id, state] of states) if (local.states.get(id) !== state) pairs.push(id, state);
      if (complete) for (const id of local.states.keys()) if (!states.has(id)) pairs.push(id, '');
      if (!pairs.length) return;
    } else {
      // Not seeded yet: only a whole list may seed, or everything not in it would later look gone.
      if (!version && !complete) return;
      full = true;
      for (const [id, state] of states) pairs.push(id, state);
    }
    const first = await this.observe(connection, type, t0, version, full, complete, pairs);
    let [next, consistent] = first;
    if (first[2].length) {
      // Known with a state, absent from the whole list: told as gone, now with their keys declared.
      const gone = first[2].flatMap((id) => [id, '']);
      const [after, stillConsistent] = await this.observe(
        connection,
        type,
        t0,
        String(next),
        false,
        false,
        gone,
      );
      next = after;
      consistent = consistent && stillConsistent;
    }
    if (consistent) this.seen.set(this.key(connection, type), { version: String(next), states });
    else this.seen.delete(this.key(connection, type));
  }

  private async item(
    connection: string,
    type: string,
    [version, t0]: [string, number],
    nativeId: string,
    item: object | null,
  ): Promise<void> {
    if (!version) return;
    const state = item ? (item as { state?: unknown }).state : '';
    if (typeof state !== 'string' || (item && !state)) return;
    const local = this.seen.get(this.key(connection, type));
    const current = local?.version === version ? local : undefined;
    if (current && (current.states.get(nativeId) ?? '') === state) return;
    const [next, consistent] = await this.observe(connection, type, t0, version, false, false, [
      nativeId,
      state,
    ]);
    if (!consistent || !current) {
      if (!consistent) this.seen.delete(this.key(connection, type));
      return;
    }
    if (state) current.states.set(nativeId, state);
    else current.states.delete(nativeId);
    current.version = String(next);
  }

  /**
   * Runs the script on pairs of native id and state; answers the new version, whether no one else wrote since the
   * read started (1) or not (0), and the ids of a full and complete read the hash knows and the read lacks.
   */
  private async observe(
    connection: string,
    type: string,
    t0: number,
    version: string,
    full: boolean,
    complete: boolean,
    pairs: string[],
  ): Promise<[number, number, string[]]> {
    // Every key the script may touch, declared (docs/design.md#redis-topology): all in the connection's slot.
    const resourceKeys: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      const resourceId = formatResourceId(connection, pairs[i]);
      resourceKeys.push(
        keys.history(connection, type, pairs[i]),
        keys.resourceLock(resourceId),
        keys.tasksByResource(resourceId),
      );
    }
    const [next, consistent, , ...missing] = (await runScript(
      this.redis,
      OBSERVE,
      2 + resourceKeys.length,
      keys.lastStates(connection, type),
      keys.changes(connection),
      ...resourceKeys,
      t0,
      full ? '1' : '0',
      complete ? '1' : '0',
      this.config.history?.maxEntries ?? 500,
      (this.config.history?.retentionDays ?? 30) * 86_400,
      this.config.events?.retainEvents ?? 10_000,
      connection,
      type,
      TASK_WINDOW_MS,
      version,
      ...pairs,
    )) as [number, number, number, ...string[]];
    return [next, consistent, missing];
  }

  private key(connection: string, type: string): string {
    return `${connection}\n${type}`;
  }
}
