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
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { decodeChange } from '../tasks/resource-change';
import { decodeEvent } from '../tasks/task-event.codec';
import { blockingCopy, slotGroups } from '../tasks/task-event-slots';
import { newDelivery } from './delivery-record';
import { DeliveryStore } from './delivery-store.service';
import { matches } from './webhook-matcher';
import { changePayload, taskPayload, type WebhookPayload } from './webhook-payload';
import { WebhookQueue } from './webhook-queue';
import { WebhookStore } from './webhook-store.service';
import type { WebhookRecord } from './webhook';

/** The consumer group every worker process reads each stream in. */
export const DISPATCH_GROUP = 'webhooks';
/** Entries a dead consumer left unacknowledged this long are taken over by a live one. */
export const CLAIM_IDLE_MS = 30_000;
const CLAIM_EVERY_MS = 10_000;
const BATCH = 200;
const BLOCK_MS = 2_000;

type Entry = [id: string, fields: string[] | null];

/** One stream read: a connection's task events (deliveries `e.`) or its observed changes (`c.`). */
interface Stream {
  key: string;
  connection: string;
  kind: 'events' | 'changes';
}

/** One event from either kind of stream, as matching and the payload need it. */
interface Dispatchable {
  entryId: string;
  type: string;
  provider: string;
  payload: WebhookPayload;
}

/**
 * The delivery id of a stream entry: deterministic, so a re-read makes no second delivery, and unique across
 * connections, whose streams may hold equal entry ids (docs/design.md#payload-and-signature).
 */
export const deliveryIdOf = (stream: Pick<Stream, 'connection' | 'kind'>, entryId: string) =>
  `${stream.kind === 'events' ? 'e' : 'c'}.${stream.connection}.${entryId}`;

/** A group of streams one XREADGROUP may name (one server: all; a cluster: one connection's two), and its client. */
interface Reader {
  streams: Stream[];
  client: Redis;
  groupsReady: boolean;
  nextClaimAt: number;
}

/**
 * Turns task events and `resource.changed` events into delivery jobs (docs/design.md#webhooks), durably: every
 * worker process reads every connection's event and change streams in one consumer group per stream, blocking on
 * connections of its own (one for all streams on one server; one per connection on a cluster, where one command
 * may not name streams of different slots). For each entry it writes the pending delivery record and adds the job
 * of each matching webhook (ids derived from the entry, so a re-read makes no second job), and only then
 * acknowledges the entry. Entries a dead consumer left pending are claimed after CLAIM_IDLE_MS. With no webhook
 * at all, a batch costs one SMEMBERS and its XACK.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly failures = new LogOncePerKind();
  private readonly readers: Reader[];
  private stopped = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    @Inject(REDIS_BLOCKING) blocking: Redis,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly webhooks: WebhookStore,
    private readonly deliveries: DeliveryStore,
    private readonly queue: WebhookQueue,
    private readonly apiKeys: ApiKeysService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const streams = new Map<string, Stream>();
    for (const { name } of config.providers) {
      streams.set(keys.events(name), { key: keys.events(name), connection: name, kind: 'events' });
      streams.set(keys.changes(name), { key: keys.changes(name), connection: name, kind: 'changes' });
    }
    // Connections of their own: XREADGROUP BLOCK holds them, and the event readers of API processes use the shared one.
    this.readers = slotGroups(blocking, [...streams.keys()]).map((group) => ({
      streams: group.map((key) => streams.get(key)!),
      client: blockingCopy(blocking, 'gateway-webhooks'),
      groupsReady: false,
      nextClaimAt: 0,
    }));
  }

  onApplicationBootstrap(): void {
    this.loops = this.readers.map((reader) => this.run(reader));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Ends the blocking reads at once; unacknowledged entries stay pending and another consumer claims them.
    for (const reader of this.readers) reader.client.disconnect();
    await Promise.all(this.loops.map((loop) => loop.catch(() => undefined)));
  }

  private async run(reader: Reader): Promise<void> {
    while (!this.stopped) {
      try {
        if (!reader.groupsReady) await this.createGroups(reader);
        if (Date.now() >= reader.nextClaimAt) {
          await this.claimStale(reader);
          reader.nextClaimAt = Date.now() + CLAIM_EVERY_MS;
        }
        const answer = await reader.client.xreadgroup(
          'GROUP',
          DISPATCH_GROUP,
          this.consumer,
          'COUNT',
          BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...reader.streams.map((s) => s.key),
          ...reader.streams.map(() => '>'),
        );
        for (const [key, entries] of answer ?? []) {
          const stream = reader.streams.find((s) => s.key === key);
          if (stream) await this.handle(reader.client, stream, entries);
        }
      } catch (error) {
        if (this.stopped) return;
        const message = (error as Error).message ?? String(error);
        // The streams were deleted under the group (FLUSHDB): make them again.
        if (message.includes('NOGROUP')) reader.groupsReady = false;
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
  private async createGroups(reader: Reader): Promise<void> {
    for (const { key } of reader.streams) {
      try {
        await reader.client.xgroup('CREATE', key, DISPATCH_GROUP, '$', 'MKSTREAM');
      } catch (error) {
        if (!(error as Error).message?.includes('BUSYGROUP')) throw error;
      }
    }
    reader.groupsReady = true;
  }

  /** Takes over what consumers that died (or lost their connection) left unacknowledged, stream by stream. */
  private async claimStale(reader: Reader): Promise<void> {
    for (const stream of reader.streams) {
      let cursor = '0-0';
      for (let round = 0; round < 50; round++) {
        const [next, entries, deleted] = (await reader.client.xautoclaim(
          stream.key,
          DISPATCH_GROUP,
          this.consumer,
          CLAIM_IDLE_MS,
          cursor,
          'COUNT',
          BATCH,
        )) as [string, Entry[], string[] | undefined];
        await this.handle(reader.client, stream, entries);
        // Entries trimmed from the stream while pending: nothing left to send.
        if (deleted?.length) await reader.client.xack(stream.key, DISPATCH_GROUP, ...deleted);
        cursor = next;
        if (cursor === '0-0') break;
      }
    }
  }

  /** Dispatches a batch of one stream's entries, then acknowledges them all. */
  private async handle(client: Redis, stream: Stream, entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map(([id]) => id);
    const webhooks = await this.webhooks.all();
    if (webhooks.length > 0) {
      const events = entries.flatMap(([id, fields]) => {
        const event = fields ? this.decode(stream, id, fields) : null;
        return event ? [event] : [];
      });
      await Promise.all(
        events.flatMap((event) =>
          webhooks
            .filter((webhook) => matches(webhook, event, (name, provider) => this.canSee(name, provider)))
            .map((webhook) => this.dispatch(webhook, event, deliveryIdOf(stream, event.entryId))),
        ),
      );
    }
    await client.xack(stream.key, DISPATCH_GROUP, ...ids);
  }

  /** The entry as an event; null when unreadable or not of the stream's connection (none is written so). */
  private decode(stream: Stream, id: string, fields: string[]): Dispatchable | null {
    if (stream.kind === 'changes') {
      const change = decodeChange(id, fields);
      return change && change.provider === stream.connection
        ? { entryId: id, type: change.type, provider: change.provider, payload: changePayload(change) }
        : null;
    }
    const event = decodeEvent(id, fields);
    return event && event.provider === stream.connection
      ? { entryId: id, type: event.type, provider: event.provider, payload: taskPayload(event) }
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
