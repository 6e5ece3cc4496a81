import { createHash } from 'node:crypto';

/** Every Redis key the gateway uses is built here, so the key space can be read in one place. */
const P = 'gw';

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

export const keys = {
  /**
   * Hash: `public` (the Task JSON clients see) and `internal` (input, step state) while the task is open, with
   * `cancel` (when a cancel was asked) and `committed` (past its last backend call, docs/design.md#cancel); once it
   * ended, `packed` (the task compressed) alone.
   */
  task: (taskId: string) => `${P}:task:${taskId}`,
  /** Set of the ids of tasks not yet ended, which the sweeper walks. */
  openTasks: () => `${P}:tasks:open`,
  /** Sorted set of task ids per connection, scored by creation time. */
  tasksByProvider: (connection: string) => `${P}:tasks:p:${connection}`,
  /** Sorted set of task ids per resource id. */
  tasksByResource: (resourceId: string) => `${P}:tasks:r:${resourceId}`,
  /** The id of the task holding a resource (one running mutation per resource). */
  resourceLock: (resourceId: string) => `${P}:lock:${resourceId}`,
  /** Idempotency record, scoped to the API key; the client's key is hashed to bound its length. */
  idempotency: (apiKeyName: string, key: string) => `${P}:idem:${apiKeyName}:${digest(key)}`,
  /** Stream of task events, read by SSE clients of every API process. */
  events: () => `${P}:events`,
  /** Short-lived read-only token for browser EventSource clients, stored by its hash. */
  eventToken: (token: string) => `${P}:evtok:${digest(token)}`,
  /** List snapshot of one resource type of one connection. */
  snapshot: (connection: string, type: string) => `${P}:snap:${connection}:${type}`,
  /**
   * Generation of a connection's cached reads, bumped by every task that ends on it: a mutation changes more
   * than its own resource (attaching a volume changes the server), so every entry read at an older
   * generation stops counting as fresh.
   */
  generation: (connection: string) => `${P}:gen:${connection}`,
  /** One cached resource. */
  item: (connection: string, type: string, nativeId: string) => `${P}:item:${connection}:${type}:${nativeId}`,
  /**
   * Hash of the labels the gateway keeps for one connection's resources of one type (docs/design.md#labels):
   * field = native id, value = the labels as JSON. The connection is a hash tag, so every label hash of one
   * connection sits in one cluster slot.
   */
  labels: (connection: string, type: string) => `${P}:labels:{${connection}}:${type}`,
  /**
   * Hash of the public keys of the SSH keys the gateway added on a connection whose backend does not give them
   * back (docs/design.md#ssh-keys): field = native id, value = the OpenSSH public key line. Not secrets.
   */
  sshPublicKeys: (connection: string) => `${P}:sshpub:{${connection}}`,
  /** Cached catalog (images, plans, locations) of one connection. */
  catalog: (connection: string, what: string) => `${P}:cat:${connection}:${what}`,
  /** Request counter of one caller in the current rate-limit window, and its block marker. */
  rateLimit: (name: string, tracker: string) => `${P}:rl:${name}:${tracker}`,
  rateLimitBlock: (name: string, tracker: string) => `${P}:rlb:${name}:${tracker}`,
  /** Lease of a backend thing a create is about to take (a free stock server), held by a task id. */
  claim: (connection: string, thing: string) => `${P}:claim:${connection}:${thing}`,
  /** Last known reachability of a connection. */
  providerHealth: (connection: string) => `${P}:health:${connection}`,
  /** What the readiness check writes, to learn that Redis still accepts writes. */
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
  /** Stream of `resource.changed` events (state changes seen in backend reads that no gateway task made). */
  changes: () => `${P}:changes`,
  /** Hash of one webhook subscription (docs/design.md#webhooks); its secret only sealed. */
  webhook: (id: string) => `${P}:wh:${id}`,
  /** Set of the ids of every webhook, which the dispatcher matches events against. */
  webhooks: () => `${P}:wh:all`,
  /** Set of the ids of the webhooks one API key registered (what it lists and may touch). */
  webhooksOfKey: (apiKeyName: string) => `${P}:wh:k:${apiKeyName}`,
  /** One delivery's record (attempts, status codes, latency, next retry), kept `deliveryRetentionHours`. */
  webhookDelivery: (webhookId: string, deliveryId: string) => `${P}:whd:${webhookId}:${deliveryId}`,
  /** Sorted set of one webhook's delivery ids, scored by when each was made. */
  webhookDeliveries: (webhookId: string) => `${P}:whds:${webhookId}`,
  /** Prefix of BullMQ's own keys (queues, jobs, locks), which BullMQ builds itself. */
  bullPrefix: () => `${P}:bull`,
};
