import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { ResourceType } from '../domain/states';
import { DELETE_OPERATIONS } from '../providers/ports/operations';
import { decodeEntry, lineParts, type HistoryEntry, type HistoryStatus } from './history-entry.codec';
import { HistoryObserver, type HistoryWatch } from './history-observer';
import { runScript, script, TASK_ENDED } from './history-scripts';
import { TaskStatus, type Task } from './task.dto';
import type { TaskInternal } from './task-record';

/** The types that have a history (an SSH key has no state to follow). */
export const HISTORY_TYPES: ReadonlySet<string> = new Set([
  ResourceType.Server,
  ResourceType.Volume,
  ResourceType.Network,
  ResourceType.Ip,
]);

const ENDED: Partial<Record<TaskStatus, HistoryStatus>> = {
  [TaskStatus.Succeeded]: 'succeeded',
  [TaskStatus.Failed]: 'failed',
  [TaskStatus.Canceled]: 'canceled',
};

/** Where a page of history starts: the entry served last, where it was, and how long the list was then. */
export interface HistoryCursor {
  index: number;
  length: number;
  /** The stored line of that entry, to find it again after new entries pushed it down. */
  line: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Null when the page reaches the oldest entry. */
  next: HistoryCursor | null;
}

/** Lines fetched per round trip when looking for a cursor's entry that moved. */
const SCAN_CHUNK = 200;

const ENDED_SCRIPT = script(TASK_ENDED);

/**
 * Each resource's history (docs/design.md#history): an entry per task of ours that ended on it (source `gateway`),
 * and per state change seen in a backend read that no task of ours made (source `observed`). One Redis list per
 * resource, newest first, of compact lines (history-entry.codec.ts).
 */
@Injectable()
export class HistoryLog {
  private readonly logger = new Logger(HistoryLog.name);
  private readonly observer: HistoryObserver;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.observer = new HistoryObserver(redis, config);
  }

  /** Records an ended task in its resource's history; never throws (a history write never fails a task). */
  async taskEnded(task: Task, internal: TaskInternal): Promise<void> {
    const status = ENDED[task.status];
    const resourceId = task.resource.id;
    const type = task.resource.type;
    if (!status || !resourceId || !HISTORY_TYPES.has(type)) return;
    const colon = resourceId.indexOf(':');
    const connection = resourceId.slice(0, colon);
    const nativeId = resourceId.slice(colon + 1);
    const deleted = status === 'succeeded' && DELETE_OPERATIONS.has(task.operation);
    const resultState =
      status === 'succeeded' && !deleted ? ((task.result as { state?: string } | null)?.state ?? null) : null;
    const toState = deleted ? 'deleted' : resultState;
    const { before, after } = lineParts(type, {
      source: 'gateway',
      action: task.operation,
      actor: task.actor ?? null,
      taskId: task.id,
      status,
      toState,
    });
    // A success whose result has no state leaves what the gateway knew as it was.
    const mode = deleted ? 'd' : resultState ? 's' : 'k';
    try {
      await runScript(
        this.redis,
        ENDED_SCRIPT,
        2,
        keys.lastStates(connection, type),
        keys.history(connection, type, nativeId),
        nativeId,
        internal.fromState ?? '',
        mode,
        resultState ?? '',
        before,
        after,
        this.history.maxEntries,
        this.ttlSeconds,
        task.id,
      );
    } catch (error) {
      this.logger.warn(`task ${task.id}: history entry not written: ${String(error)}`);
    }
  }

  /**
   * Call at the start of a backend read of one connection and type (never for a cache hit); hand it what the
   * backend answered. Null for types without a history. Never throws, never fails the read.
   */
  watch(connection: string, type: string): HistoryWatch | null {
    return HISTORY_TYPES.has(type) ? this.observer.watch(connection, type) : null;
  }

  /** A page of one resource's history, newest first, from the entry after `after`. */
  async page(
    connection: string,
    type: ResourceType,
    nativeId: string,
    after: HistoryCursor | null,
    pageSize: number,
  ): Promise<HistoryPage> {
    const key = keys.history(connection, type, nativeId);
    const length = await this.redis.llen(key);
    let start = 0;
    if (after) {
      const found = await this.locate(key, after, length);
      // The cursor's entry is gone (trimmed or expired): everything older went with it.
      if (found < 0) return { entries: [], next: null };
      start = found + 1;
    }
    const lines = start < length ? await this.redis.lrange(key, start, start + pageSize - 1) : [];
    const entries = lines
      .map((line) => decodeEntry(type, line))
      .filter((entry): entry is HistoryEntry => entry !== null);
    const last = start + lines.length - 1;
    const next =
      lines.length && last < length - 1 ? { index: last, length, line: lines[lines.length - 1] } : null;
    return { entries, next };
  }

  /**
   * Where the cursor's entry is now. Entries only ever move down (new ones are pushed at the head) or drop off the
   * tail, so it sits at its old index plus the growth of the list when nothing was trimmed, else further down.
   */
  private async locate(key: string, cursor: HistoryCursor, length: number): Promise<number> {
    const guess = cursor.index + Math.max(0, length - cursor.length);
    const [atGuess] = await this.redis.lrange(key, guess, guess);
    if (atGuess === cursor.line) return guess;
    for (let from = cursor.index; from < length; from += SCAN_CHUNK) {
      const chunk = await this.redis.lrange(key, from, from + SCAN_CHUNK - 1);
      const at = chunk.indexOf(cursor.line);
      if (at >= 0) return from + at;
    }
    return -1;
  }

  private get history() {
    return this.config.history ?? { retentionDays: 30, maxEntries: 500 };
  }

  private get ttlSeconds(): number {
    return this.history.retentionDays * 86_400;
  }
}
