import type { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { keys, queues } from '../../src/common/redis/keys';
import { DISPATCH_GROUP, deliveryIdOf } from '../../src/webhooks/webhook-dispatcher.service';
import { WEBHOOK_QUEUE } from '../../src/webhooks/webhook-queue';
import { decodeChange } from '../../src/tasks/resource-change';
import { decodeEvent } from '../../src/tasks/task-event.codec';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../generated/client';
import { api, type Client } from './api';
import { BACKENDS, connectionOf } from './crash-backends';
import { until, type Chaos, type ChaosOptions } from './crash-chaos';
import type { CrashCluster } from './crash-cluster';
import type { Rng } from './crash-rng';
import type { ReceivedRequest, SlowReceiver } from './crash-webhooks-receiver';

/**
 * An event of the gateway's streams as a webhook delivery names it: the dispatcher's delivery id is the stream's
 * letter (`e` task events, `c` resource changes), its connection and the entry id (`e.<connection>.<entry id>`), and
 * the `webhook-id` header is `msg_` + that (src/webhooks/webhook-dispatcher.service.ts, webhook-signer.ts).
 */
export interface StreamEvent {
  messageId: string;
  entryId: string;
  type: string;
  /** The task id of a task event; the resource id of a change: what the payload's `data` must name. */
  subject: string;
}

/** The last entry id of each stream (by key) when the webhook was made: the events it must get come after. */
export type StreamMarks = Record<string, string>;

/** The crash cluster's connections (one per backend kind). */
const CONNECTIONS = BACKENDS.map(connectionOf);

/** Every connection's two streams. */
const STREAMS = CONNECTIONS.flatMap((connection) => [
  { kind: 'events' as const, connection, key: keys.events(connection) },
  { kind: 'changes' as const, connection, key: keys.changes(connection) },
]);

type Entry = [id: string, fields: string[]];

export async function streamMarks(redis: Redis): Promise<StreamMarks> {
  const marks: StreamMarks = {};
  for (const { key } of STREAMS) {
    const [entry] = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as Entry[];
    marks[key] = entry?.[0] ?? '0-0';
  }
  return marks;
}

/** Every event of every stream after the marks (XRANGE from the mark, the mark itself dropped). */
export async function eventsSince(redis: Redis, marks: StreamMarks): Promise<StreamEvent[]> {
  const found: StreamEvent[] = [];
  for (const stream of STREAMS) {
    const mark = marks[stream.key] ?? '0-0';
    const entries = (await redis.xrange(stream.key, mark, '+')) as Entry[];
    for (const [id, fields] of entries) {
      if (id === mark) continue;
      const messageId = `msg_${deliveryIdOf(stream, id)}`;
      if (stream.kind === 'events') {
        const event = decodeEvent(id, fields);
        if (event) found.push({ messageId, entryId: id, type: event.type, subject: event.taskId });
      } else {
        const change = decodeChange(id, fields);
        if (change) found.push({ messageId, entryId: id, type: change.type, subject: change.resource.id });
      }
    }
  }
  return found;
}

/** Every delivery record of a webhook, all pages. */
export async function allDeliveries(client: Client, webhookId: string): Promise<WebhookDelivery[]> {
  const all: WebhookDelivery[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.listWebhookDeliveries({
      client,
      path: { id: webhookId },
      query: { pageSize: 500, pageToken },
    });
    if (!page.data) throw new Error(`GET deliveries failed: ${JSON.stringify(page.error)}`);
    all.push(...page.data.items);
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
  return all;
}

/** What the kills caught. */
export interface DeliveryKillFigures {
  kills: number;
  /** Requests the receiver had read and not yet answered at the moments of the kills, summed. */
  requestsInFlightAtKills: number;
  /** Delivery jobs BullMQ had active at the moments of the kills, summed. */
  deliveryJobsActiveAtKills: number;
  /**
   * Stream entries the dispatch group had read and not yet acknowledged at the moments of the kills, summed: a
   * kill there leaves them to be claimed by a live worker.
   */
  unacknowledgedAtKills: number;
}

const ACTIVE_DELIVERIES = `${keys.bullPrefix()}:${WEBHOOK_QUEUE}:active`;
/** The active list of each connection's operations queue. */
const ACTIVE_OPERATIONS = CONNECTIONS.map((c) => `${keys.bullPrefix()}:${queues.operations(c)}:active`);

/** One number per key (one command each: the keys may be in different slots), summed; a failed read counts 0. */
async function sumOf(keysOf: string[], read: (key: string) => Promise<number>): Promise<number> {
  const counts = await Promise.all(keysOf.map((key) => read(key).catch(() => 0)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Entries of every stream read by the webhook dispatch group and not yet acknowledged. */
async function unacknowledged(store: Redis): Promise<number> {
  let sum = 0;
  for (const { key } of STREAMS) {
    const summary = (await store.xpending(key, DISPATCH_GROUP).catch(() => null)) as [number] | null;
    sum += Number(summary?.[0] ?? 0);
  }
  return sum;
}

/**
 * kill -9 a random worker `kills` times, each once the receiver holds a request open (waited for up to 20 s: the
 * replacement of the previous victim may still be starting), each victim replaced after a random pause. Marks
 * the chaos done at the end, which lets the workload stop starting chains.
 */
export async function killDuringDeliveries(
  chaos: Chaos,
  options: ChaosOptions & {
    cluster: CrashCluster;
    receiver: SlowReceiver;
    rng: Rng;
    store: Redis;
    figures: DeliveryKillFigures;
  },
): Promise<void> {
  const { cluster, receiver, rng, store, figures } = options;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    for (let i = 0; i < options.kills; i++) {
      await sleep(rng.between(...options.gapMs));
      await until(() => receiver.inFlight > 0, 20_000);
      figures.requestsInFlightAtKills += receiver.inFlight;
      figures.deliveryJobsActiveAtKills += await store.llen(ACTIVE_DELIVERIES).catch(() => 0);
      figures.unacknowledgedAtKills += await unacknowledged(store);
      chaos.figures.openAtKills += await sumOf(
        CONNECTIONS.map((c) => keys.openTasks(c)),
        (key) => store.scard(key),
      );
      chaos.figures.activeAtKills += await sumOf(ACTIVE_OPERATIONS, (key) => store.llen(key));
      await cluster.crashWorker(rng.between(0, cluster.workerCount - 1), rng.between(...options.pauseMs));
      figures.kills++;
      chaos.figures.kills++;
    }
  } finally {
    chaos.done = true;
  }
}

/**
 * Waits (bounded) until every event after the marks has a delivery record that is no longer `pending`; true if
 * that happened. An event a killed dispatcher read and did not acknowledge gets its record once a live one
 * claims it (after 30 s idle), so this can take that long.
 */
export async function drained(
  client: Client,
  redis: Redis,
  webhookId: string,
  marks: StreamMarks,
  maxMs: number,
): Promise<boolean> {
  return until(async () => {
    const events = await eventsSince(redis, marks);
    const settled = new Map(
      (await allDeliveries(client, webhookId)).map((d) => [`msg_${d.id}`, d.status !== 'pending']),
    );
    return events.every((event) => settled.get(event.messageId) === true);
  }, maxMs);
}

/** The webhook's side of the run, checked against the streams and what the receiver got. */
export interface WebhookAudit {
  /** Stream events after the webhook was made, by type. */
  events: Record<string, number>;
  requests: number;
  /** Events whose message reached the receiver at least once. */
  delivered: number;
  /** Events that never reached the receiver (`<webhook-id> <type> <subject>`). */
  missing: string[];
  /** Requests beyond the first of their message (at least once: allowed, counted). */
  duplicates: number;
  /** Messages received more than once. */
  duplicatedMessages: number;
  /** Requests whose signature the Standard Webhooks library refused. */
  unverified: string[];
  /** Verified requests whose payload is not their event's (type, or the task / resource it names). */
  mismatched: string[];
  /** Requests for no event after the marks. */
  unexpected: string[];
  /** Requests the receiver never answered (their sender was killed first). */
  cut: number;
  /** Delivery records by status. */
  records: Partial<Record<WebhookDeliveryStatus, number>>;
  /** Events without a delivery record, and records not `succeeded`. */
  unsettled: string[];
  /** Attempts the records show, and records with more than one (a retry after a failed attempt). */
  attempts: number;
  retried: number;
}

interface Payload {
  type?: string;
  data?: { id?: string; resource?: { id?: string } };
}

export function auditWebhook(
  events: StreamEvent[],
  received: ReceivedRequest[],
  deliveries: WebhookDelivery[],
  secret: string,
): WebhookAudit {
  const signer = new Webhook(secret);
  const byMessage = new Map<string, ReceivedRequest[]>();
  for (const request of received) byMessage.set(request.id, [...(byMessage.get(request.id) ?? []), request]);
  const known = new Map(events.map((event) => [event.messageId, event]));
  const records = new Map(deliveries.map((d) => [`msg_${d.id}`, d]));
  const audit: WebhookAudit = {
    events: {},
    requests: received.length,
    delivered: 0,
    missing: [],
    duplicates: 0,
    duplicatedMessages: 0,
    unverified: [],
    mismatched: [],
    unexpected: [],
    cut: received.filter((r) => !r.answered).length,
    records: {},
    unsettled: [],
    attempts: 0,
    retried: 0,
  };
  for (const event of events) {
    audit.events[event.type] = (audit.events[event.type] ?? 0) + 1;
    const got = byMessage.get(event.messageId) ?? [];
    if (got.length > 0) audit.delivered++;
    else audit.missing.push(`${event.messageId} ${event.type} ${event.subject}`);
    const record = records.get(event.messageId);
    if (record?.status !== 'succeeded')
      audit.unsettled.push(`${event.messageId} ${event.type}: ${record ? record.status : 'no record'}`);
  }
  for (const [id, requests] of byMessage) {
    if (requests.length > 1) {
      audit.duplicates += requests.length - 1;
      audit.duplicatedMessages++;
    }
    const event = known.get(id);
    if (!event) audit.unexpected.push(id);
    for (const request of requests) {
      let payload: Payload;
      try {
        payload = signer.verify(request.body, {
          'webhook-id': request.id,
          'webhook-timestamp': request.timestamp,
          'webhook-signature': request.signature,
        }) as Payload;
      } catch (error) {
        audit.unverified.push(`${id}: ${(error as Error).message}`);
        continue;
      }
      // A task event's data is its TaskSummary (`id`); a change's names its resource.
      const subject = payload.data?.id ?? payload.data?.resource?.id;
      if (event && (payload.type !== event.type || subject !== event.subject))
        audit.mismatched.push(`${id}: got ${payload.type} ${subject}, event ${event.type} ${event.subject}`);
    }
  }
  for (const delivery of deliveries) {
    audit.records[delivery.status] = (audit.records[delivery.status] ?? 0) + 1;
    audit.attempts += delivery.attempts.length;
    if (delivery.attempts.length > 1) audit.retried++;
  }
  return audit;
}

/** The consumer name of the dispatcher `readAsDeadDispatcher` plays; no gateway process uses it. */
export const DEAD_DISPATCHER = 'killed-dispatcher';

/**
 * Plays a dispatcher killed after reading entries and before acknowledging them: reads every new entry of each
 * connection's task event stream in the dispatch group under a consumer that never comes back. A live dispatcher
 * must claim them (XAUTOCLAIM) and deliver them. Returns the delivery ids of the entries taken
 * (`e.<connection>.<entry id>`; the `webhook-id` is `msg_` + that).
 */
export async function readAsDeadDispatcher(redis: Redis): Promise<string[]> {
  const taken: string[] = [];
  for (const stream of STREAMS.filter((s) => s.kind === 'events')) {
    const answer = (await redis.xreadgroup(
      'GROUP',
      DISPATCH_GROUP,
      DEAD_DISPATCHER,
      'COUNT',
      1_000,
      'STREAMS',
      stream.key,
      '>',
    )) as Array<[stream: string, entries: Entry[]]> | null;
    for (const [, entries] of answer ?? []) taken.push(...entries.map(([id]) => deliveryIdOf(stream, id)));
  }
  return taken;
}

/** Entries of the task event streams the dead dispatcher still holds (read, not acknowledged, not claimed). */
export async function heldByDeadDispatcher(redis: Redis): Promise<number> {
  return sumOf(
    STREAMS.filter((s) => s.kind === 'events').map((s) => s.key),
    async (key) => (await redis.xpending(key, DISPATCH_GROUP, '-', '+', 1_000, DEAD_DISPATCHER)).length,
  );
}
