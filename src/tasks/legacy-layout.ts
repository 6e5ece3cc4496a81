import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { keys, queues } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';

/** Key layout version written once the keys of the layout before ADR 0007 were moved. */
export const LAYOUT_VERSION = '2';
/** BullMQ queue names of the layout before ADR 0007. */
export const LEGACY_OPERATIONS_QUEUE = 'operations';
export const LEGACY_DELIVERY_QUEUE = 'webhook-deliveries';

const OLD = 'gw';
/** Who migrates: one process at a time; the others go on and find the keys moved a moment later. */
const LOCK_KEY = `${OLD}:layout:lock`;
const LOCK_MS = 10 * 60_000;
const SCAN_COUNT = 1_000;

/**
 * Moves the data of a single Redis written by a gateway before ADR 0007 (one `gw:*` key space, one operations queue)
 * to the per-connection layout (docs/design.md#redis-topology, "Upgrading"): tasks, their indexes and open sets,
 * resource locks and idempotency records into their connection's slot, webhooks and their deliveries under `{_wh}`,
 * pending webhook delivery jobs into the new delivery queue. Open tasks get their job back from the sweeper (job id =
 * task id), in their connection's queue; the old operations queue is removed. Caches, rate-limit counters and the old
 * event streams are dropped (they are rebuilt or short-lived): SSE clients resume from the new streams.
 *
 * Runs at start-up, before workers take jobs, once (a version key says it is done); skipped on a Redis Cluster, which
 * the old layout could never run on. Every move is a RENAME (keeps the TTL) that never overwrites a key the new
 * version already wrote, and sets and sorted sets are merged, so a run cut short is simply run again.
 */
@Injectable()
export class LegacyLayout implements OnModuleInit {
  private readonly logger = new Logger(LegacyLayout.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    if ((this.redis as unknown as { isCluster?: boolean }).isCluster) return;
    try {
      await this.migrate();
    } catch (error) {
      // A Redis that is down at start-up: the next start migrates; nothing was half-moved that a rerun cannot finish.
      this.logger.warn(`the key layout was not checked for an upgrade: ${String(error)}`);
    }
  }

  /** Moves the old keys if there are any; answers how many keys it moved (0 when already done or taken). */
  async migrate(): Promise<number> {
    if ((await this.redis.get(keys.layoutVersion())) === LAYOUT_VERSION) return 0;
    if ((await this.redis.set(LOCK_KEY, String(process.pid), 'PX', LOCK_MS, 'NX')) !== 'OK') return 0;
    try {
      const moved = await this.moveAll();
      await this.redis.set(keys.layoutVersion(), LAYOUT_VERSION);
      if (moved)
        this.logger.log(`moved ${moved} key(s) of the previous key layout (docs/design.md#redis-topology)`);
      return moved;
    } finally {
      await this.redis.del(LOCK_KEY);
    }
  }

  private async moveAll(): Promise<number> {
    let moved = 0;
    // Tasks first: the idempotency records need to know each task's connection.
    const connectionOfTask = new Map<string, string>();
    const oldOpen = new Set(await this.redis.smembers(`${OLD}:tasks:open`));
    for (const index of await this.scan(`${OLD}:tasks:p:*`)) {
      const connection = index.slice(`${OLD}:tasks:p:`.length);
      const ids = await this.redis.zrange(index, '0', '-1');
      for (const id of ids) {
        connectionOfTask.set(id, connection);
        moved += await this.rename(`${OLD}:task:${id}`, keys.task(connection, id));
        if (oldOpen.has(id)) await this.redis.sadd(keys.openTasks(connection), id);
      }
      moved += await this.mergeSortedSet(index, keys.tasksByProvider(connection));
    }
    await this.redis.del(`${OLD}:tasks:open`);
    for (const index of await this.scan(`${OLD}:tasks:r:*`))
      moved += await this.mergeSortedSet(index, keys.tasksByResource(index.slice(`${OLD}:tasks:r:`.length)));
    for (const lock of await this.scan(`${OLD}:lock:*`))
      moved += await this.rename(lock, keys.resourceLock(lock.slice(`${OLD}:lock:`.length)));
    for (const claim of await this.scan(`${OLD}:claim:*`)) {
      const rest = claim.slice(`${OLD}:claim:`.length);
      const colon = rest.indexOf(':');
      if (colon > 0)
        moved += await this.rename(claim, keys.claim(rest.slice(0, colon), rest.slice(colon + 1)));
    }
    moved += await this.moveWebhooks();
    moved += await this.moveIdempotency(connectionOfTask);
    // Rebuilt on the next read, or short-lived: not worth moving.
    for (const pattern of ['snap', 'gen', 'item', 'cat', 'health', 'rl', 'rlb'])
      await this.deleteAll(`${OLD}:${pattern}:*`);
    await this.redis.del(`${OLD}:events`, `${OLD}:changes`);
    await this.moveDeliveryJobs();
    await this.removeQueue(LEGACY_OPERATIONS_QUEUE);
    return moved;
  }

  private async moveWebhooks(): Promise<number> {
    let moved = 0;
    moved += await this.mergeSet(`${OLD}:wh:all`, keys.webhooks());
    for (const owned of await this.scan(`${OLD}:wh:k:*`))
      moved += await this.mergeSet(owned, keys.webhooksOfKey(owned.slice(`${OLD}:wh:k:`.length)));
    for (const webhook of await this.scan(`${OLD}:wh:*`)) {
      const id = webhook.slice(`${OLD}:wh:`.length);
      if (id === 'all' || id.startsWith('k:')) continue;
      moved += await this.rename(webhook, keys.webhook(id));
    }
    for (const list of await this.scan(`${OLD}:whds:*`))
      moved += await this.mergeSortedSet(list, keys.webhookDeliveries(list.slice(`${OLD}:whds:`.length)));
    for (const delivery of await this.scan(`${OLD}:whd:*`)) {
      const [webhookId, deliveryId] = delivery.slice(`${OLD}:whd:`.length).split(':');
      if (webhookId && deliveryId)
        moved += await this.rename(delivery, keys.webhookDelivery(webhookId, deliveryId));
    }
    return moved;
  }

  /** A record names its task (moved above: its connection is known) or its webhook; one that names neither is gone. */
  private async moveIdempotency(connectionOfTask: Map<string, string>): Promise<number> {
    let moved = 0;
    for (const record of await this.scan(`${OLD}:idem:*`)) {
      const rest = record.slice(`${OLD}:idem:`.length);
      const colon = rest.lastIndexOf(':');
      const [keyName, hashed] = [rest.slice(0, colon), rest.slice(colon + 1)];
      const value = (await this.redis.get(record)) ?? '';
      const id = value.slice(value.lastIndexOf('|') + 1);
      const connection = connectionOfTask.get(id);
      if (connection)
        moved += await this.rename(record, keys.idempotencyOfDigest(connection, keyName, hashed));
      else if (await this.redis.exists(keys.webhook(id)))
        moved += await this.rename(record, keys.globalIdempotencyOfDigest(keyName, hashed));
      else await this.redis.del(record);
    }
    return moved;
  }

  /** Pending deliveries go on in the new queue, under the same job ids (their attempts start afresh). */
  private async moveDeliveryJobs(): Promise<void> {
    const old = new Queue(LEGACY_DELIVERY_QUEUE, { connection: this.redis, prefix: keys.bullPrefix() });
    const next = new Queue(queues.webhookDeliveries(), { connection: this.redis, prefix: keys.bullPrefix() });
    try {
      const jobs = await old.getJobs(['waiting', 'delayed', 'prioritized', 'waiting-children', 'active']);
      for (const job of jobs) {
        if (!job?.id) continue;
        const delay = Math.max(0, job.timestamp + (job.opts.delay ?? 0) - Date.now());
        await next.add(job.name, job.data as unknown, { ...job.opts, jobId: job.id, delay });
      }
      if (jobs.length)
        this.logger.log(`moved ${jobs.length} pending webhook delivery job(s) to the new queue`);
      await old.obliterate({ force: true });
    } finally {
      await Promise.all([old.close(), next.close()]);
    }
  }

  private async removeQueue(name: string): Promise<void> {
    const queue = new Queue(name, { connection: this.redis, prefix: keys.bullPrefix() });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }

  /** RENAMENX: never over a key the new version already wrote. 1 when moved. */
  private async rename(from: string, to: string): Promise<number> {
    if (!(await this.redis.exists(from))) return 0;
    const done = await this.redis.renamenx(from, to);
    if (!done) await this.redis.del(from);
    return done;
  }

  private async mergeSortedSet(from: string, to: string): Promise<number> {
    if (!(await this.redis.exists(from))) return 0;
    await this.redis.zunionstore(to, 2, to, from, 'AGGREGATE', 'MIN');
    const ttl = await this.redis.pttl(from);
    if (ttl > 0) await this.redis.pexpire(to, ttl);
    await this.redis.del(from);
    return 1;
  }

  private async mergeSet(from: string, to: string): Promise<number> {
    if (!(await this.redis.exists(from))) return 0;
    await this.redis.sunionstore(to, to, from);
    await this.redis.del(from);
    return 1;
  }

  private async deleteAll(pattern: string): Promise<void> {
    const found = await this.scan(pattern);
    for (let i = 0; i < found.length; i += 500) await this.redis.del(...found.slice(i, i + 500));
  }

  /** Every key of the old layout matching `pattern` (new-layout keys have `{` right after `gw:`, never matched). */
  private async scan(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return [...new Set(found)];
  }
}
