import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ApiKeysService } from '../common/auth/api-keys.service';
import { LogOncePerKind } from '../common/errors/log-once';
import { LOGGER } from '../common/logging/logger';
import { keys } from '../common/redis/keys';
import { REDIS_BLOCKING } from '../common/redis/redis.tokens';
import { decodeChange } from '../tasks/resource-change';
import { decodeEvent } from '../tasks/task-event.codec';
import { newDelivery } from './delivery-record';
import { DeliveryStore } from './delivery-store.service';
import { matches } from './webhook-matcher';
import { changePayload, taskPayload, type WebhookPayload } from './webhook-payload';
import { WebhookQueue } from './webhook-queue';
import { WebhookStore } from './webhook-store.service';
import type { WebhookRecord } from './webhook';

/** The consumer group every worker process reads both streams in. */
export const DISPATCH_GROUP = 'webhooks';
/** Entries a dead consumer left unacknowledged this long are taken over by a live one. */
export const CLAIM_IDLE_MS = 30_000;
const CLAIM_EVERY_MS = 10_000;
const BATCH = 200;
const BLOCK_MS = 2_000;

type Entry = [id: string, fields: string[] | null];

/** One event from either stream, as matching and the payload need it. */
interface Dispatchable {
  stream: string;
  entryId: string;
  type: string;
  provider: string;
  payload: WebhookPayload;
}

/** The two streams read, each with the letter that starts its deliveries' ids. */
const STREAMS = [
  { key: keys.events(), prefix: 'e' },
  { key: keys.changes(), prefix: 'c' },
] as const;

/**
 * Turns task events and `resource.changed` events into delivery jobs (docs/design.md#webhooks), durably: every
 * worker process reads both streams in one consumer group on a blocking connection of its own; for each entry it
 * writes the pending delivery record and adds the job of each matching webhook (ids derived from the entry, so a
 * re-read makes no second job), and only then acknowledges the entry. Entries a dead consumer left pending are
 * claimed after CLAIM_IDLE_MS. With no webhook at all, a batch costs one SMEMBERS and its XACK.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly failures = new LogOncePerKind();
  /** A connection of its own: XREADGROUP BLOCK holds it, and the event readers of API processes use the shared one. */
  private readonly connection: Redis;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private groupsReady = false;
  private nextClaimAt = 0;

  constructor(
    @Inject(REDIS_BLOCKING) blocking: Redis,
    private readonly webhooks: WebhookStore,
    private readonly deliveries: DeliveryStore,
    private readonly queue: WebhookQueue,
    private readonly apiKeys: ApiKeysService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.connection = blocking.duplicate({ connectionName: 'gateway-webhooks' });
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Ends a blocking read at once; unacknowledged entries stay pending and another consumer claims them.
    this.connection.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.groupsReady) await this.createGroups();
        if (Date.now() >= this.nextClaimAt) {
          await this.claimStale();
          this.nextClaimAt = Date.now() + CLAIM_EVERY_MS;
        }
        const answer = await this.connection.xreadgroup(
          'GROUP',
          DISPATCH_GROUP,
          this.consumer,
          'COUNT',
          BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...STREAMS.map((s) => s.key),
          ...STREAMS.map(() => '>'),
        );
        for (const [stream, entries] of answer ?? []) await this.handle(stream, entries);
      } catch (error) {
        if (this.stopped) return;
        const message = (error as Error).message ?? String(error);
        // The streams were deleted under the group (FLUSHDB): make them again.
        if (message.includes('NOGROUP')) this.groupsReady = false;
        this.failures.note(message.split(' ')[0], (suppressed) =>
          this.logger.warn(
            { error: message, ...(suppressed ? { suppressed } : {}) },
            'webhook dispatch failed, retrying',
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
    }
  }

  /** The group on each stream, from the entries added from now on (MKSTREAM: a stream not written yet). */
  private async createGroups(): Promise<void> {
    for (const { key } of STREAMS) {
      try {
        await this.connection.xgroup('CREATE', key, DISPATCH_GROUP, '$', 'MKSTREAM');
      } catch (error) {
        if (!(error as Error).message?.includes('BUSYGROUP')) throw error;
      }
    }
    this.groupsReady = true;
  }

  /** Takes over what consumers that died (or lost their connection) left unacknowledged. */
  private async claimStale(): Promise<void> {
    for (const { key } of STREAMS) {
      let cursor = '0-0';
      for (let round = 0; round < 50; round++) {
        const [next, entries, deleted] = (await this.connection.xautoclaim(
          key,
          DISPATCH_GROUP,
          this.consumer,
          CLAIM_IDLE_MS,
          cursor,
          'COUNT',
          BATCH,
        )) as [string, Entry[], string[] | undefined];
        await this.handle(key, entries);
        // Entries trimmed from the stream while pending: nothing left to send.
        if (deleted?.length) await this.connection.xack(key, DISPATCH_GROUP, ...deleted);
        cursor = next;
        if (cursor === '0-0') break;
      }
    }
  }

  /** Dispatches a batch of one stream's entries, then acknowledges them all. */
  private async handle(stream: string, entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map(([id]) => id);
    const webhooks = await this.webhooks.all();
    if (webhooks.length > 0) {
      const prefix = STREAMS.find((s) => s.key === stream)?.prefix ?? 'e';
      const events = entries.flatMap(([id, fields]) => {
        const event = fields ? this.decode(stream, id, fields) : null;
        return event ? [event] : [];
      });
      await Promise.all(
        events.flatMap((event) =>
          webhooks
            .filter((webhook) => matches(webhook, event, (name, provider) => this.canSee(name, provider)))
            .map((webhook) => this.dispatch(webhook, event, `${prefix}${event.entryId}`)),
        ),
      );
    }
    await this.connection.xack(stream, DISPATCH_GROUP, ...ids);
  }

  private decode(stream: string, id: string, fields: string[]): Dispatchable | null {
    if (stream === keys.changes()) {
      const change = decodeChange(id, fields);
      return change
        ? {
            stream,
            entryId: id,
            type: change.type,
            provider: change.provider,
            payload: changePayload(change),
          }
        : null;
    }
    const event = decodeEvent(id, fields);
    return event
      ? { stream, entryId: id, type: event.type, provider: event.provider, payload: taskPayload(event) }
      : null;
  }

  /** The owner key as the config says now: gone, or without the connection, and the event is not for it. */
  private canSee(keyName: string, provider: string): boolean {
    return this.apiKeys.current(keyName)?.caller.canSee(provider) ?? false;
  }

  /** The pending record, then the job; a delivery already settled (a re-read entry) is left alone. */
  private async dispatch(webhook: WebhookRecord, event: Dispatchable, deliveryId: string): Promise<void> {
    const record = newDelivery(
      {
        id: deliveryId,
        webhookId: webhook.id,
        eventId: event.entryId,
        eventType: event.payload.type,
      },
      new Date(),
    );
    const existing = await this.deliveries.create(record);
    if (existing && existing.status !== 'pending') return;
    await this.queue.enqueue({ webhookId: webhook.id, deliveryId, body: JSON.stringify(event.payload) });
  }
}
