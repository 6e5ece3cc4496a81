import type { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { keys } from '../../src/common/redis/keys';
import { DISPATCH_GROUP } from '../../src/webhooks/webhook-dispatcher.service';
import { WEBHOOK_QUEUE } from '../../src/webhooks/webhook-queue';
import { decodeChange } from '../../src/tasks/resource-change';
import { decodeEvent } from '../../src/tasks/task-event.codec';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../generated/client';
import { api, type Client } from './api';
import { until, type Chaos, type ChaosOptions } from './crash-chaos';
import type { CrashCluster } from './crash-cluster';
import type { Rng } from './crash-rng';
import type { ReceivedRequest, SlowReceiver } from './crash-webhooks-receiver';

/**
 * An event of the gateway's streams as a webhook delivery names it: the dispatcher's delivery id is the stream's
 * letter (`e` task events, `c` resource changes) + the entry id, and the `webhook-id` header is `msg_` + that
 * (src/webhooks/webhook-dispatcher.service.ts, webhook-signer.ts).
 */
export interface StreamEvent {
  messageId: string;
  entryId: string;
  type: string;
  /** The task id of a task event; the resource id of a change: what the payload's `data` must name. */
  subject: string;
}

/** The last entry id of each stream when the webhook was made: the events it must get come after. */
export interface StreamMarks {
  events: string;
  changes: string;
}

const STREAMS = [
  { name: 'events', key: keys.events(), letter: 'e' },
  { name: 'changes', key: keys.changes(), letter: 'c' },
] as const;

type Entry = [id: string, fields: string[]];

export async function streamMarks(redis: Redis): Promise<StreamMarks> {
  const last = async (key: string) => {
    const [entry] = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as Entry[];
    return entry?.[0] ?? '0-0';
  };
  return { events: await last(keys.events()), changes: await last(keys.changes()) };
}

/** Every event of both streams after the marks (XRANGE from the mark, the mark itself dropped). */
export async function eventsSince(redis: Redis, marks: StreamMarks): Promise<StreamEvent[]> {
  const found: StreamEvent[] = [];
  for (const { name, key, letter } of STREAMS) {
    const entries = (await redis.xrange(key, marks[name], '+')) as Entry[];
    for (const [id, fields] of entries) {
      if (id === marks[name]) continue;
      const messageId = `msg_${letter}${id}`;
      if (name === 'events') {
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
const ACTIVE_OPERATIONS = `${keys.bullPrefix()}:operations:active`;

/** Entries of both streams read by the webhook dispatch group and not yet acknowledged. */
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
      chaos.figures.openAtKills += await store.scard(keys.openTasks()).catch(() => 0);
      chaos.figures.activeAtKills += await store.llen(ACTIVE_OPERATIONS).catch(() => 0);
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
 * Plays a dispatcher killed after reading entries and before acknowledging them: reads every new entry of the
 * task event stream in the dispatch group under a consumer that never comes back. A live dispatcher must claim
 * them (XAUTOCLAIM) and deliver them. Returns the entry ids taken.
 */
export async function readAsDeadDispatcher(redis: Redis): Promise<string[]> {
  const answer = (await redis.xreadgroup(
    'GROUP',
    DISPATCH_GROUP,
    DEAD_DISPATCHER,
    'COUNT',
    1_000,
    'STREAMS',
    keys.events(),
    '>',
  )) as Array<[stream: string, entries: Entry[]]> | null;
  return (answer ?? []).flatMap(([, entries]) => entries.map(([id]) => id));
}

/** Entries of the task event stream the dead dispatcher still holds (read, not acknowledged, not claimed). */
export async function heldByDeadDispatcher(redis: Redis): Promise<number> {
  const held = await redis.xpending(keys.events(), DISPATCH_GROUP, '-', '+', 1_000, DEAD_DISPATCHER);
  return held.length;
}
