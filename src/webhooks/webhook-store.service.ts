import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import type { WebhookEventFilter, WebhookRecord } from './webhook';

/**
 * Webhook subscriptions in Redis (docs/design.md#webhooks): one hash per webhook (`keys.webhook`), the set of all
 * ids (`keys.webhooks`, what the dispatcher matches against) and one set per API key (`keys.webhooksOfKey`). The
 * hash keeps the secret in field `secret`, sealed when the gateway has a secret key; nothing here returns it but
 * `secretOf`.
 */

/**
 * Creates a webhook unless its key already has `max`: 1 created, 0 refused. KEYS[4], the idempotency record, only
 * when the request has a key: every key declared is in the webhooks' slot (an empty name would hash elsewhere).
 */
const CREATE = `
local idem = KEYS[4]
if idem then
  local earlier = redis.call('GET', idem)
  if earlier then return earlier end
end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
if idem then redis.call('SET', idem, ARGV[3] .. '|' .. ARGV[2], 'EX', ARGV[4]) end
return 1`;

/** What a create did: made it, refused it at the per-key cap, or found the webhook of an earlier same key. */
export type CreateOutcome =
  { kind: 'created' } | { kind: 'limit' } | { kind: 'replay'; id: string; sameRequest: boolean };

/** HSET on an existing hash only (a webhook deleted meanwhile is not brought back): 1 done, 0 gone. */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

/**
 * One failed attempt: the streak grows; at the limit an enabled webhook is disabled with the reason. Answers
 * {streak, 1 when this call disabled it}; {-1, 0} when the webhook is gone.
 */
const FAILED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local streak = redis.call('HINCRBY', KEYS[1], 'failureStreak', 1)
if streak >= tonumber(ARGV[1]) and redis.call('HGET', KEYS[1], 'enabled') == '1' then
  redis.call('HSET', KEYS[1], 'enabled', '0', 'disabledReason', streak .. ARGV[2], 'disabledAt', ARGV[3], 'updatedAt', ARGV[3])
  return {streak, 1}
end
return {streak, 0}`;

const SUCCEEDED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'failureStreak', '0')
return 1`;

type Fields = Record<string, string>;

function toFields(record: Partial<WebhookRecord>): Fields {
  const fields: Fields = {};
  if (record.id !== undefined) fields.id = record.id;
  if (record.keyName !== undefined) fields.keyName = record.keyName;
  if (record.url !== undefined) fields.url = record.url;
  if (record.events !== undefined) fields.events = JSON.stringify(record.events);
  if (record.providers !== undefined) fields.providers = JSON.stringify(record.providers);
  if (record.enabled !== undefined) fields.enabled = record.enabled ? '1' : '0';
  if (record.disabledReason !== undefined) fields.disabledReason = record.disabledReason ?? '';
  if (record.disabledAt !== undefined) fields.disabledAt = record.disabledAt ?? '';
  if (record.failureStreak !== undefined) fields.failureStreak = String(record.failureStreak);
  if (record.createdAt !== undefined) fields.createdAt = record.createdAt;
  if (record.updatedAt !== undefined) fields.updatedAt = record.updatedAt;
  return fields;
}

function fromFields(fields: Fields): WebhookRecord | null {
  if (!fields.id || !fields.keyName || !fields.url) return null;
  try {
    return {
      id: fields.id,
      keyName: fields.keyName,
      url: fields.url,
      events: JSON.parse(fields.events ?? '[]') as WebhookEventFilter[],
      providers: JSON.parse(fields.providers ?? 'null') as string[] | null,
      enabled: fields.enabled === '1',
      disabledReason: fields.disabledReason || null,
      disabledAt: fields.disabledAt || null,
      failureStreak: Number(fields.failureStreak ?? 0) || 0,
      createdAt: fields.createdAt,
      updatedAt: fields.updatedAt,
    };
  } catch {
    return null;
  }
}

const flat = (fields: Fields) => Object.entries(fields).flat();

@Injectable()
export class WebhookStore {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * Creates a webhook under the per-key cap, atomically with its `Idempotency-Key` record (kept `ttlSeconds`):
   * a second create with the same key finds the first webhook instead of making another.
   */
  async create(
    record: WebhookRecord,
    storedSecret: string,
    max: number,
    idempotency: { key: string; fingerprint: string; ttlSeconds: number } | null = null,
  ): Promise<CreateOutcome> {
    const fields = flat({ ...toFields(record), secret: storedSecret });
    const idempotencyKey = idempotency ? [keys.globalIdempotency(record.keyName, idempotency.key)] : [];
    const created = (await this.redis.eval(
      CREATE,
      3 + idempotencyKey.length,
      keys.webhook(record.id),
      keys.webhooks(),
      keys.webhooksOfKey(record.keyName),
      ...idempotencyKey,
      String(max),
      record.id,
      idempotency?.fingerprint ?? '',
      String(idempotency?.ttlSeconds ?? 0),
      ...fields,
    )) as number | string;
    if (typeof created === 'string') {
      const separator = created.lastIndexOf('|');
      return {
        kind: 'replay',
        id: created.slice(separator + 1),
        sameRequest: created.slice(0, separator) === idempotency?.fingerprint,
      };
    }
    return created === 1 ? { kind: 'created' } : { kind: 'limit' };
  }

  async get(id: string): Promise<WebhookRecord | null> {
    return fromFields(await this.redis.hgetall(keys.webhook(id)));
  }

  /** The stored (maybe sealed) secret of a webhook; null when it is gone. */
  async secretOf(id: string): Promise<string | null> {
    return this.redis.hget(keys.webhook(id), 'secret');
  }

  /** The webhooks of one API key, newest first. */
  async ofKey(keyName: string): Promise<WebhookRecord[]> {
    return this.many(await this.redis.smembers(keys.webhooksOfKey(keyName)));
  }

  /** Every webhook: what the dispatcher matches a batch of events against (an empty set costs one SMEMBERS). */
  async all(): Promise<WebhookRecord[]> {
    return this.many(await this.redis.smembers(keys.webhooks()));
  }

  /** Changes fields of an existing webhook (a new secret too); false when it is gone. */
  async update(id: string, change: Partial<WebhookRecord>, storedSecret?: string): Promise<boolean> {
    const fields = toFields(change);
    if (storedSecret !== undefined) fields.secret = storedSecret;
    return (await this.redis.eval(UPDATE, 1, keys.webhook(id), ...flat(fields))) === 1;
  }

  async delete(record: WebhookRecord): Promise<void> {
    await this.redis
      .multi()
      .del(keys.webhook(record.id))
      .srem(keys.webhooks(), record.id)
      .srem(keys.webhooksOfKey(record.keyName), record.id)
      .exec();
  }

  /**
   * One failed attempt against the streak; disables the webhook at `limit` with a reason that ends with
   * `lastError`. Answers whether this call disabled it.
   */
  async recordFailure(id: string, limit: number, lastError: string, now: Date): Promise<boolean> {
    const [, disabled] = (await this.redis.eval(
      FAILED,
      1,
      keys.webhook(id),
      String(limit),
      ` consecutive failed attempts; last: ${lastError.slice(0, 200)}`,
      now.toISOString(),
    )) as [number, number];
    return disabled === 1;
  }

  async recordSuccess(id: string): Promise<void> {
    await this.redis.eval(SUCCEEDED, 1, keys.webhook(id));
  }

  private async many(ids: string[]): Promise<WebhookRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(keys.webhook(id));
    const answers = (await pipeline.exec()) ?? [];
    return answers
      .map(([error, fields]) => {
        // A webhook that could not be read must not count as absent: the dispatcher would skip its events.
        if (error) throw error;
        return fromFields(fields as Fields);
      })
      .filter((record): record is WebhookRecord => record !== null)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }
}
