import { createHash } from 'node:crypto';

/**
 * Every Redis key the gateway uses is built here, so the key space can be read in one place.
 *
 * Slot-safe by construction (docs/design.md#redis-topology, ADR 0007): every key of one connection carries the hash
 * tag `{<connection>}`, so a connection's tasks, locks, idempotency records, cache, events, queue and poll budget
 * live in one Redis Cluster slot (multi-key scripts stay legal) and connections spread over the shards. The few
 * families that belong to no connection carry a tag of their own that starts with `_`, which no connection name
 * can (`CONNECTION_NAME_PATTERN`). A key without a tag is only ever used alone.
 */
const P = 'gw';

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/** The slot-defining prefix of one connection's keys. */
const c = (connection: string) => `${P}:{${connection}}`;

/** The connection of a gateway resource id (`<connection>:<nativeId>`, src/common/ids/resource-id.ts). */
export function connectionOfResourceId(resourceId: string): string {
  const colon = resourceId.indexOf(':');
  return colon > 0 ? resourceId.slice(0, colon) : resourceId;
}

/** Tag of the webhook subscriptions, their deliveries and their queue: few keys, one shard. */
const WEBHOOK_TAG = '{_wh}';

export const keys = {
  /**
   * Hash: `public` (the Task JSON clients see) and `internal` (input, step state) while the task is open, with
   * `cancel` (when a cancel was asked) and `committed` (past its last backend call, docs/design.md#cancel); once it
   * ended, `packed` (the task compressed) alone.
   */
  task: (connection: string, taskId: string) => `${c(connection)}:task:${taskId}`,
  /** Set of the ids of a connection's tasks not yet ended, which the sweeper walks. */
  openTasks: (connection: string) => `${c(connection)}:open`,
  /** Sorted set of a connection's task ids, scored by creation time. */
  tasksByProvider: (connection: string) => `${c(connection)}:tasks`,
  /** Sorted set of task ids per resource id (in its connection's slot). */
  tasksByResource: (resourceId: string) => `${c(connectionOfResourceId(resourceId))}:tasks:r:${resourceId}`,
  /** The id of the task holding a resource (one running mutation per resource). */
  resourceLock: (resourceId: string) => `${c(connectionOfResourceId(resourceId))}:lock:${resourceId}`,
  /**
   * Idempotency record, scoped to the connection and the API key; the client's key is hashed to bound its length.
   * A key reused on another connection is another record (docs/design.md#redis-topology).
   */
  idempotency: (connection: string, apiKeyName: string, key: string) =>
    keys.idempotencyOfDigest(connection, apiKeyName, digest(key)),
  /** The same record named by the digest of the client's key (what an upgrade finds in an old key's name). */
  idempotencyOfDigest: (connection: string, apiKeyName: string, hashed: string) =>
    `${c(connection)}:idem:${apiKeyName}:${hashed}`,
  /** Idempotency record of a request that belongs to no connection (webhook create). */
  globalIdempotency: (apiKeyName: string, key: string) =>
    keys.globalIdempotencyOfDigest(apiKeyName, digest(key)),
  globalIdempotencyOfDigest: (apiKeyName: string, hashed: string) =>
    `${P}:${WEBHOOK_TAG}:idem:${apiKeyName}:${hashed}`,
  /** Stream of one connection's task events; SSE and /v1/events merge the streams a key may see. */
  events: (connection: string) => `${c(connection)}:events`,
  /** Short-lived read-only token for browser EventSource clients, stored by its hash (used alone). */
  eventToken: (token: string) => `${P}:evtok:${digest(token)}`,
  /** List snapshot of one resource type of one connection. */
  snapshot: (connection: string, type: string) => `${c(connection)}:snap:${type}`,
  /**
   * Generation of a connection's cached reads, bumped by every task that ends on it: a mutation changes more
   * than its own resource (attaching a volume changes the server), so every entry read at an older
   * generation stops counting as fresh.
   */
  generation: (connection: string) => `${c(connection)}:gen`,
  /** One cached resource. */
  item: (connection: string, type: string, nativeId: string) => `${c(connection)}:item:${type}:${nativeId}`,
  /**
   * Hash of the labels the gateway keeps for one connection's resources of one type (docs/design.md#labels):
   * field = native id, value = the labels as JSON. Laid out before the other families took the connection tag
   * first; the tag is the same, so they share the connection's slot and need no migration.
   */
  labels: (connection: string, type: string) => `${P}:labels:{${connection}}:${type}`,
  /**
   * Hash of the public keys of the SSH keys the gateway added on a connection whose backend does not give them
   * back (docs/design.md#ssh-keys): field = native id, value = the OpenSSH public key line. Not secrets.
   */
  sshPublicKeys: (connection: string) => `${P}:sshpub:{${connection}}`,
  /** Cached catalog (images, plans, locations) of one connection. */
  catalog: (connection: string, what: string) => `${c(connection)}:cat:${what}`,
  /** Request counter of one caller in the current rate-limit window, and its block marker (one slot). */
  rateLimit: (name: string, tracker: string) => `${P}:rl:{_rl:${name}:${tracker}}`,
  rateLimitBlock: (name: string, tracker: string) => `${P}:rlb:{_rl:${name}:${tracker}}`,
  /** Lease of a backend thing a create is about to take (a free stock server), held by a task id. */
  claim: (connection: string, thing: string) => `${c(connection)}:claim:${thing}`,
  /** Last known reachability of a connection. */
  providerHealth: (connection: string) => `${c(connection)}:health`,
  /** What the readiness check writes, to learn that Redis still accepts writes (used alone). */
  readyProbe: () => `${P}:ready:probe`,
  /**
   * List of one resource's history entries, newest first (docs/design.md#history): each a compact line
   * (history-entry.codec.ts). Kept `history.retentionDays` after its last entry, so after a delete too.
   */
  history: (connection: string, type: string, nativeId: string) =>
    `${P}:hist:{${connection}}:${type}:${nativeId}`,
  /**
   * Hash of the last state the gateway knows of each resource of one type of one connection (field = native id):
   * what an observed change is told against, and a task's `fromState`.
   */
  lastStates: (connection: string, type: string) => `${P}:hstate:{${connection}}:${type}`,
  /** Stream of one connection's `resource.changed` events (state changes seen in reads no gateway task made). */
  changes: (connection: string) => `${c(connection)}:changes`,
  /**
   * The connection's request budget (docs/design.md#poll-budget): a Redis-held limiter shared by every process,
   * and the time until which the backend asked us to slow down (429 / Retry-After).
   */
  budget: (connection: string) => `${c(connection)}:budget`,
  budgetPause: (connection: string) => `${c(connection)}:budget:pause`,
  /**
   * The last list of one collection a wait read, shared by every worker (docs/design.md#coalesced-polling), and
   * the lease of whoever reads the next one: one list call per connection per tick for the whole gateway.
   */
  pollSnapshot: (connection: string, collection: string) => `${c(connection)}:poll:${collection}`,
  pollLease: (connection: string, collection: string) => `${c(connection)}:poll:${collection}:lease`,
  /** Hash of one webhook subscription (docs/design.md#webhooks); its secret only sealed. */
  webhook: (id: string) => `${P}:${WEBHOOK_TAG}:wh:${id}`,
  /** Set of the ids of every webhook, which the dispatcher matches events against. */
  webhooks: () => `${P}:${WEBHOOK_TAG}:wh:all`,
  /** Set of the ids of the webhooks one API key registered (what it lists and may touch). */
  webhooksOfKey: (apiKeyName: string) => `${P}:${WEBHOOK_TAG}:wh:k:${apiKeyName}`,
  /** One delivery's record (attempts, status codes, latency, next retry), kept `deliveryRetentionHours`. */
  webhookDelivery: (webhookId: string, deliveryId: string) =>
    `${P}:${WEBHOOK_TAG}:whd:${webhookId}:${deliveryId}`,
  /** Sorted set of one webhook's delivery ids, scored by when each was made. */
  webhookDeliveries: (webhookId: string) => `${P}:${WEBHOOK_TAG}:whds:${webhookId}`,
  /** Set once the keys of the layout before ADR 0007 were moved (src/tasks/legacy-layout.ts). */
  layoutVersion: () => `${P}:layout`,
  /** Prefix of BullMQ's own keys (queues, jobs, locks), which BullMQ builds itself after the queue name. */
  bullPrefix: () => `${P}:bull`,
};

/**
 * BullMQ queue names. A queue's keys are `<prefix>:<name>:<suffix>`: the tag in the name keeps every key of one
 * queue in one slot, and an operations queue in its connection's slot (BullMQ forbids `:` in names).
 */
export const queues = {
  /** The queue of one connection's operation jobs (job id = task id). */
  operations: (connection: string) => `ops-{${connection}}`,
  /** Webhook deliveries, beside the webhooks' own keys. */
  webhookDeliveries: () => `deliveries-${WEBHOOK_TAG}`,
};
