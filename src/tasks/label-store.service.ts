import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { LABELED_TYPES, type LabeledType, type Labels } from '../domain/labels';
import type { Connection } from '../providers/registry/connection';

/** Whether resources of this type carry labels at all (SSH keys do not). */
export const isLabeledType = (type: string): type is LabeledType =>
  (LABELED_TYPES as readonly string[]).includes(type);

/** A stored value as labels; anything else (a damaged field) as none, never a failed read. */
function parseLabels(text: string | null | undefined): Labels {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'string'),
    ) as Labels;
  } catch {
    return {};
  }
}

/**
 * The labels the gateway keeps for resources whose backend keeps none (docs/design.md#labels): one Redis hash per
 * connection and type, field = native id, value = the labels as JSON. Every read of such a type goes through
 * `GatewayReads`, which puts the stored labels into what the backend answered BEFORE the snapshot cache keeps it,
 * so a cached list or item carries them; the engine stores a create's labels when it succeeds and drops them when
 * a delete succeeds. Each call touches one key only.
 */
@Injectable()
export class LabelStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Whether the gateway keeps this type's labels on this connection (not the backend). */
  static holds(adapter: Connection, type: string): type is LabeledType {
    return isLabeledType(type) && adapter.labelStorage(type) === 'gateway';
  }

  async get(connection: string, type: LabeledType, nativeId: string): Promise<Labels> {
    return parseLabels(await this.redis.hget(keys.labels(connection, type), nativeId));
  }

  /** The whole set of a resource: an empty set removes its entry. */
  async set(connection: string, type: LabeledType, nativeId: string, labels: Labels): Promise<void> {
    const key = keys.labels(connection, type);
    if (Object.keys(labels).length === 0) await this.redis.hdel(key, nativeId);
    else await this.redis.hset(key, nativeId, JSON.stringify(labels));
  }

  /** The resource is gone: its labels go with it. */
  async drop(connection: string, type: LabeledType, nativeId: string): Promise<void> {
    await this.redis.hdel(keys.labels(connection, type), nativeId);
  }

  /** Resources of a connection with the labels the gateway keeps for them (unchanged where the backend keeps them). */
  async apply<T extends { nativeId: string; labels?: Labels }>(
    adapter: Connection,
    type: string,
    items: T[],
  ): Promise<T[]> {
    if (items.length === 0 || !LabelStore.holds(adapter, type)) return items;
    const key = keys.labels(adapter.name, type);
    const stored =
      items.length === 1
        ? { [items[0].nativeId]: (await this.redis.hget(key, items[0].nativeId)) ?? '' }
        : await this.redis.hgetall(key);
    return items.map((item) => ({ ...item, labels: parseLabels(stored[item.nativeId]) }));
  }

  async applyOne<T extends { nativeId: string; labels?: Labels }>(
    adapter: Connection,
    type: string,
    item: T | null,
  ): Promise<T | null> {
    return item ? (await this.apply(adapter, type, [item]))[0] : null;
  }
}
