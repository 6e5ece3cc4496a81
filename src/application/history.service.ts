import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Caller } from '../common/auth/caller';
import { NotFoundError } from '../common/errors/gateway-error';
import { decodePageToken, encodePageToken } from '../common/pagination/page-token';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { ResourceType } from '../domain/states';
import type { HistoryEntry } from '../tasks/history-entry.codec';
import { HISTORY_TYPES, HistoryLog, type HistoryCursor } from '../tasks/history-log.service';
import { ResourceAccess } from './resource-access.service';

export interface HistoryItem {
  at: string;
  action: string;
  actor: { keyName: string } | null;
  taskId: string | null;
  status: HistoryEntry['status'];
  fromState: string | null;
  toState: string | null;
  source: HistoryEntry['source'];
}

export interface HistoryAnswer {
  items: HistoryItem[];
  nextPageToken: string | null;
}

/** A cursor as the page token carries it: `index.length.line`, the line of the last entry served in base64url. */
const CURSOR = /^(\d{1,9})\.(\d{1,9})\.([A-Za-z0-9_-]{1,2000})$/;

const encodeCursor = (c: HistoryCursor) =>
  `${c.index}.${c.length}.${Buffer.from(c.line, 'utf8').toString('base64url')}`;

function decodeCursor(text: string): HistoryCursor | null {
  const match = CURSOR.exec(text);
  return match
    ? {
        index: Number(match[1]),
        length: Number(match[2]),
        line: Buffer.from(match[3], 'base64url').toString('utf8'),
      }
    : null;
}

/**
 * A resource's history as clients read it (docs/design.md#history): from Redis only, so a deleted resource's
 * history reads like any other; tenancy as for the resource reads.
 */
@Injectable()
export class HistoryService {
  constructor(
    private readonly access: ResourceAccess,
    private readonly log: HistoryLog,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async read(
    type: ResourceType,
    caller: Caller,
    id: string,
    params: { pageSize?: number; pageToken?: string },
  ): Promise<HistoryAnswer> {
    const resolved = this.access.resolve(caller, id); // 404 for a connection the key may not see
    this.access.port(resolved.adapter, type); // 501 when the connection has no such resources, as the reads
    const query = { type, id };
    const after = decodePageToken(params.pageToken, query, (cursor) => decodeCursor(cursor) !== null);
    const page = await this.log.page(
      resolved.connection,
      type,
      resolved.nativeId,
      after ? decodeCursor(after) : null,
      params.pageSize ?? 50,
    );
    if (
      !after &&
      page.entries.length === 0 &&
      (await this.ofAnotherType(type, resolved.connection, resolved.nativeId))
    )
      throw new NotFoundError(`No ${type} '${id}'.`);
    return {
      items: page.entries.map((entry) => ({
        at: new Date(entry.at).toISOString(),
        action: entry.action,
        actor: entry.actor,
        taskId: entry.taskId,
        status: entry.status,
        fromState: entry.fromState,
        toState: entry.toState,
        source: entry.source,
      })),
      nextPageToken: page.next ? encodePageToken(encodeCursor(page.next), query) : null,
    };
  }

  /**
   * An id without history of this type is a 404 when the gateway knows it as a resource of another type (as a
   * read of a volume's id under /v1/servers is), unless it knows a resource of this type by that id too.
   */
  private async ofAnotherType(type: ResourceType, connection: string, nativeId: string): Promise<boolean> {
    const others = [...HISTORY_TYPES].filter((t) => t !== (type as string));
    const pipeline = this.redis.multi().hexists(keys.lastStates(connection, type), nativeId);
    for (const other of others)
      pipeline
        .exists(keys.history(connection, other, nativeId))
        .hexists(keys.lastStates(connection, other), nativeId);
    const results = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value));
    return results[0] === 0 && results.slice(1).some((value) => value > 0);
  }
}
