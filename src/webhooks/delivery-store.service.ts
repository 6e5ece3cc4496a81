import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { DeliveryRecord } from './delivery-record';

/**
 * Delivery records (docs/design.md#webhooks): one JSON string per delivery (`keys.webhookDelivery`), expiring
 * `webhooks.deliveryRetentionHours` after it was made, and one sorted set per webhook (`keys.webhookDeliveries`,
 * scored by creation time) that lists them newest first and is trimmed of what expired on every new delivery.
 */

/** Stores a new record unless one exists: answers the existing one's JSON, or nil when this one was stored. */
const CREATE = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return false`;

@Injectable()
export class DeliveryStore {
  private readonly retentionMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.retentionMs = config.webhooks.deliveryRetentionHours * 3_600_000;
  }

  /** Stores a new pending record; when the delivery already exists (a re-read event), answers that one. */
  async create(record: DeliveryRecord): Promise<DeliveryRecord | null> {
    const created = Date.parse(record.createdAt);
    const existing = (await this.redis.eval(
      CREATE,
      2,
      keys.webhookDelivery(record.webhookId, record.id),
      keys.webhookDeliveries(record.webhookId),
      JSON.stringify(record),
      String(this.retentionMs),
      String(created),
      record.id,
      String(created - this.retentionMs),
    )) as string | null;
    return existing ? parse(existing) : null;
  }

  async get(webhookId: string, deliveryId: string): Promise<DeliveryRecord | null> {
    const text = await this.redis.get(keys.webhookDelivery(webhookId, deliveryId));
    return text ? parse(text) : null;
  }

  /** Saves a changed record; nothing when it has expired or its webhook was deleted (never brought back). */
  async save(record: DeliveryRecord): Promise<void> {
    await this.redis.set(
      keys.webhookDelivery(record.webhookId, record.id),
      JSON.stringify(record),
      'KEEPTTL',
      'XX',
    );
  }

  /**
   * One page, newest first, after the delivery `after` (a cursor by rank: deliveries only ever leave at the old
   * end, so the ones after a cursor stay after it). Expired records are left out.
   */
  async page(
    webhookId: string,
    size: number,
    after: string | null,
  ): Promise<{ items: DeliveryRecord[]; next: string | null }> {
    const index = keys.webhookDeliveries(webhookId);
    let start = 0;
    if (after) {
      const rank = await this.redis.zrevrank(index, after);
      if (rank === null) return { items: [], next: null };
      start = rank + 1;
    }
    const ids = await this.redis.zrevrange(index, start, start + size);
    const more = ids.length > size;
    const pageIds = ids.slice(0, size);
    if (pageIds.length === 0) return { items: [], next: null };
    const texts = await this.redis.mget(pageIds.map((id) => keys.webhookDelivery(webhookId, id)));
    const items = texts.flatMap((text) => {
      const record = text ? parse(text) : null;
      return record ? [record] : [];
    });
    return { items, next: more ? pageIds[pageIds.length - 1] : null };
  }

  /** Drops every record of a deleted webhook. */
  async deleteAll(webhookId: string): Promise<void> {
    const index = keys.webhookDeliveries(webhookId);
    const ids = await this.redis.zrange(index, '0', '-1');
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < ids.length; i += 500)
      pipeline.del(...ids.slice(i, i + 500).map((id) => keys.webhookDelivery(webhookId, id)));
    pipeline.del(index);
    await pipeline.exec();
  }
}

function parse(text: string): DeliveryRecord | null {
  try {
    return JSON.parse(text) as DeliveryRecord;
  } catch {
    return null;
  }
}
