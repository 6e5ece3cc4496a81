import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { decodeTime } from 'ulid';
import { connectionOfResourceId, keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { TaskEventType } from './task-event';
import { encodeEvent } from './task-event.codec';
import { summarize, Task, TaskStatus } from './task.dto';
import type { TaskInternal } from './task-record';
import { TASK_DICTIONARY } from './task-dictionary';
import {
  cipherFromSettings,
  openSecrets,
  sealSecrets,
  storableRequest,
  type SealedSecret,
  type SecretCipher,
} from './task-secrets';

/**
 * Creates a task atomically with its idempotency record, resource lock and indexes, so two concurrent
 * identical requests cannot both create one.
 * KEYS: idempotency key, lock key, task key, provider index, resource index, open set (absent ones: `absent`)
 * ARGV: fingerprint, task id, public json, internal json, created ms, idempotency ttl s, lock ttl s, absent
 */
/**
 * Stands for an optional key a script is not given. A key of the connection's slot, like the others: an empty name
 * hashes to slot 0, which a Redis Cluster refuses next to the connection's keys (CROSSSLOT). Never written; each
 * script gets it as its last ARGV to tell it apart.
 */
const absent = (connection: string) => keys.task(connection, '-');

const ACCEPT = `
if KEYS[1] ~= ARGV[#ARGV] then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {'replay', existing} end
end
if KEYS[2] ~= ARGV[#ARGV] then
  local holder = redis.call('GET', KEYS[2])
  if holder then return {'locked', holder} end
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[7])
end
redis.call('HSET', KEYS[3], 'public', ARGV[3], 'internal', ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
if KEYS[5] ~= ARGV[#ARGV] then redis.call('ZADD', KEYS[5], ARGV[5], ARGV[2]) end
redis.call('SADD', KEYS[6], ARGV[2])
if KEYS[1] ~= ARGV[#ARGV] then redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[6]) end
return {'created', ARGV[2]}`;

/**
 * Saves an open task in one round trip and tells the worker whether a cancel was asked for meanwhile
 * (docs/design.md#cancel). Never writes a task that has ended (a second worker after a crash must not bring an
 * ended task's fields back). With an expected public JSON it is the worker's queued → running compare-and-set: the
 * API's cancel of a queued task and the worker's start cannot both win.
 * KEYS: task key, resource index (or `absent`)
 * ARGV: public json, internal json, task id, created ms, expected public json ('' for none), absent
 * Returns {'saved' | 'ended' | 'changed', cancel time or false}
 */
const SAVE = `
if redis.call('HEXISTS', KEYS[1], 'public') == 0 then return {'ended', false} end
if ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'public') ~= ARGV[5] then
  return {'changed', redis.call('HGET', KEYS[1], 'cancel')}
end
redis.call('HSET', KEYS[1], 'public', ARGV[1], 'internal', ARGV[2])
if KEYS[2] ~= ARGV[#ARGV] then redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[3]) end
return {'saved', redis.call('HGET', KEYS[1], 'cancel')}`;

/**
 * Ends a task once: only a task that is still open is finished (docs/design.md#cancel). Also starts its retention
 * clock, drops it from the open set and frees its lock if it holds it.
 * KEYS: task key, open set, provider index, resource index, lock key (absent ones: `absent`), event stream
 * ARGV: packed task, retention s, cutoff ms, task id, created ms, mode, expected public json, absent, stream cap,
 * then the terminal event's fields (none: no event). The event is written with the end, in one step: a Redis that
 * fails over between the two could otherwise keep the end and lose the event (found by the Sentinel fail-over test).
 * mode `succeed`: refused ('canceled') when a cancel was recorded. mode `expect`: refused ('changed') unless the
 * public JSON is still the expected one (the API's cancel of a queued task).
 * Returns {'finished' | 'ended' | 'changed'} or {'canceled', cancel time}
 */
const FINISH = `
if redis.call('HEXISTS', KEYS[1], 'public') == 0 then return {'ended'} end
local cancel = redis.call('HGET', KEYS[1], 'cancel')
if ARGV[6] == 'succeed' and cancel then return {'canceled', cancel} end
if ARGV[6] == 'expect' and redis.call('HGET', KEYS[1], 'public') ~= ARGV[7] then return {'changed'} end
redis.call('HSET', KEYS[1], 'packed', ARGV[1])
redis.call('HDEL', KEYS[1], 'public', 'internal', 'cancel', 'committed')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[2], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
if KEYS[4] ~= ARGV[8] then
  redis.call('ZADD', KEYS[4], 'NX', ARGV[5], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[3])
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[2]) + 86400)
end
if KEYS[5] ~= ARGV[8] and redis.call('GET', KEYS[5]) == ARGV[4] then redis.call('DEL', KEYS[5]) end
if #ARGV > 9 then
  redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[9], '*', unpack(ARGV, 10, #ARGV))
end
return {'finished'}`;

/**
 * Records a cancel request (docs/design.md#cancel). Refuses an ended task and a task past its last backend call
 * (`committed`); a second request finds the first. A queued task is only reported: the caller ends it with
 * FINISH in mode `expect`, which fails if a worker started it meanwhile.
 * KEYS: task key. ARGV: now (ISO)
 * Returns {'missing' | 'ended' | 'committed' | 'already' | 'queued' | 'recorded', public, internal, cancel time}
 */
const REQUEST_CANCEL = `
local fields = redis.call('HMGET', KEYS[1], 'public', 'internal', 'cancel', 'committed', 'packed')
if not fields[1] then
  if fields[5] then return {'ended'} end
  return {'missing'}
end
if fields[3] then return {'already', fields[1], fields[2], fields[3]} end
if fields[4] then return {'committed'} end
if cjson.decode(fields[1]).status == 'queued' then return {'queued', fields[1], fields[2]} end
redis.call('HSET', KEYS[1], 'cancel', ARGV[1])
return {'recorded', fields[1], fields[2], ARGV[1]}`;

/**
 * Marks an open task `committed` (past its last backend call: a cancel is refused from now on) unless a cancel is
 * already recorded. KEYS: task key. Returns the recorded cancel time, 'ended', or false once committed.
 */
const COMMIT = `
if redis.call('HEXISTS', KEYS[1], 'public') == 0 then return 'ended' end
local cancel = redis.call('HGET', KEYS[1], 'cancel')
if cancel then return cancel end
redis.call('HSET', KEYS[1], 'committed', '1')
return false`;

/** SHA-1 digests of the scripts, as Redis names them. */
const DIGESTS = new Map<string, string>();

export type AcceptResult =
  | { kind: 'created'; taskId: string }
  | { kind: 'replay'; taskId: string; sameRequest: boolean }
  | { kind: 'locked'; taskId: string };

export interface AcceptParams {
  task: Task;
  internal: TaskInternal;
  lockResourceId: string | null;
  idempotency: { apiKeyName: string; key: string; fingerprint: string } | null;
}

export interface TaskFilter {
  providers: string[];
  status?: TaskStatus;
  resourceId?: string;
  operation?: string;
}

/** What the worker loads: the task, its internal record, and what the API recorded beside them. */
export interface LoadedTask {
  task: Task;
  internal: TaskInternal;
  /** The public record as stored, for the queued → running compare-and-set. */
  publicJson: string;
  /** When a cancel was asked for (ISO), or null. */
  cancelRequestedAt: string | null;
  /** Whether the task is past its last backend call (a cancel is refused). */
  committed: boolean;
}

/** What a save learned: whether it was written, and the cancel asked for meanwhile (ISO) if any. */
export interface SaveResult {
  outcome: 'saved' | 'ended' | 'changed';
  cancelRequestedAt: string | null;
}

/** How a finish went: ended now, ended before, refused for a recorded cancel (ISO time), or for a change. */
export type FinishOutcome =
  { outcome: 'finished' | 'ended' | 'changed' } | { outcome: 'canceled'; cancelRequestedAt: string };

export type CancelRequest =
  | { kind: 'missing' | 'ended' | 'committed' }
  | { kind: 'already' | 'recorded'; task: Task; internal: TaskInternal }
  | { kind: 'queued'; task: Task; internal: TaskInternal; publicJson: string };

export interface TaskPage {
  items: Task[];
  /** Id of the last task of this page; the next page starts after it. */
  next: string | null;
}

/** The only writer and reader of task records in Redis. */
@Injectable()
export class TaskStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  private cipher: SecretCipher | null | undefined;

  private get retentionSeconds(): number {
    return this.config.tasks.retentionHours * 3600;
  }

  /** The key of `tasks.secretKey` (and `previousSecretKeys`), or null without one. */
  private get secrets(): SecretCipher | null {
    if (this.cipher === undefined) this.cipher = cipherFromSettings(this.config.tasks);
    return this.cipher;
  }

  /**
   * Seals the secret fields of an operation's input (paths inside `providerOptions`, from the adapter's option
   * schema, and the operation's own secret fields such as `userData`) for the task `taskId`; ValidationError
   * (400) when there is one and no key to seal it with.
   */
  sealSecrets(
    taskId: string,
    input: unknown,
    optionPaths: string[][],
    inputPaths: string[][] = [],
  ): SealedSecret[] {
    return sealSecrets(this.secrets, taskId, input, optionPaths, inputPaths);
  }

  /** The internal record as Redis keeps it: the request without the values of its sealed secrets. */
  private storable(internal: TaskInternal): string {
    return JSON.stringify({ ...internal, request: storableRequest(internal.request, internal.secrets) });
  }

  /**
   * Runs one of the scripts above by its digest (the hot path sends no script text), loading it on the first
   * NOSCRIPT (a restarted or new Redis).
   */
  private async script(lua: string, numKeys: number, ...args: Array<string | Buffer>): Promise<unknown> {
    let sha = DIGESTS.get(lua);
    if (!sha) DIGESTS.set(lua, (sha = createHash('sha1').update(lua).digest('hex')));
    try {
      return await this.redis.evalsha(sha, numKeys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(lua, numKeys, ...args);
    }
  }

  async accept(params: AcceptParams): Promise<AcceptResult> {
    const { task, internal, lockResourceId, idempotency } = params;
    const lockTtl = Math.max(60, Math.ceil((internal.deadlineAtMs - Date.now()) / 1000) + 3600);
    const [kind, value] = (await this.redis.eval(
      ACCEPT,
      6,
      idempotency
        ? keys.idempotency(task.provider, idempotency.apiKeyName, idempotency.key)
        : absent(task.provider),
      lockResourceId ? keys.resourceLock(lockResourceId) : absent(task.provider),
      keys.task(task.provider, task.id),
      keys.tasksByProvider(task.provider),
      task.resource.id ? keys.tasksByResource(task.resource.id) : absent(task.provider),
      keys.openTasks(task.provider),
      idempotency?.fingerprint ?? '',
      task.id,
      JSON.stringify(task),
      this.storable(internal),
      String(Date.parse(task.createdAt)),
      String(this.retentionSeconds),
      String(lockTtl),
      absent(task.provider),
    )) as [string, string];
    if (kind === 'replay') {
      const separator = value.lastIndexOf('|');
      return {
        kind,
        taskId: value.slice(separator + 1),
        sameRequest: value.slice(0, separator) === idempotency?.fingerprint,
      };
    }
    return { kind: kind as 'created' | 'locked', taskId: value };
  }

  /** A task of one connection (every key of a task is in its connection's slot: docs/design.md#redis-topology). */
  async get(connection: string, taskId: string): Promise<Task | null> {
    const [plain, packed, cancel] = await this.redis.hmgetBuffer(
      keys.task(connection, taskId),
      'public',
      'packed',
      'cancel',
    );
    return decodeTask(plain, packed, cancel);
  }

  /**
   * A task by id alone, looked for on the connections the caller may see (one read per connection, in parallel):
   * the id does not say its connection, and a task of another connection is not the caller's to see.
   */
  async find(taskId: string, connections: readonly string[]): Promise<Task | null> {
    const found = await Promise.all(connections.map((connection) => this.get(connection, taskId)));
    return found.find((task) => task !== null) ?? null;
  }

  async getWithInternal(connection: string, taskId: string): Promise<LoadedTask | null> {
    const [publicJson, internalJson, cancel, committed] = await this.redis.hmget(
      keys.task(connection, taskId),
      'public',
      'internal',
      'cancel',
      'committed',
    );
    if (!publicJson || !internalJson) return null;
    const internal = JSON.parse(internalJson) as TaskInternal;
    // The worker rebuilds the plan from this request: its secrets are opened here, and only here.
    openSecrets(this.secrets, taskId, internal.request, internal.secrets);
    const task = withCancel(JSON.parse(publicJson) as Task, cancel);
    return { task, internal, publicJson, cancelRequestedAt: cancel, committed: committed !== null };
  }

  /**
   * Saves an open task in one round trip; answers the cancel asked for meanwhile, if any. With `expectPublic` it
   * is the queued → running compare-and-set (see SAVE).
   */
  async save(task: Task, internal: TaskInternal, expectPublic = ''): Promise<SaveResult> {
    const [outcome, cancel] = (await this.script(
      SAVE,
      2,
      keys.task(task.provider, task.id),
      // A create learns its resource id late: index it from then on.
      task.resource.id ? keys.tasksByResource(task.resource.id) : absent(task.provider),
      JSON.stringify(task),
      this.storable(internal),
      task.id,
      String(decodeTime(task.id)),
      expectPublic,
      absent(task.provider),
    )) as [SaveResult['outcome'], string | null];
    return { outcome, cancelRequestedAt: cancel ?? null };
  }

  /**
   * The worker is about to start the last step of a non-create plan that may change the backend: from now on a
   * cancel is refused (docs/design.md#cancel). Answers the cancel recorded before, which wins instead; 'ended'
   * when the task has ended.
   */
  async commit(
    connection: string,
    taskId: string,
  ): Promise<{ cancelRequestedAt: string } | 'committed' | 'ended'> {
    const reply = (await this.script(COMMIT, 1, keys.task(connection, taskId))) as string | null;
    if (reply === null) return 'committed';
    if (reply === 'ended') return 'ended';
    return { cancelRequestedAt: reply };
  }

  /** Records a cancel request, or says why there is none to record (see REQUEST_CANCEL). */
  async requestCancel(connection: string, taskId: string, now: string): Promise<CancelRequest> {
    const [kind, publicJson, internalJson, cancel] = (await this.script(
      REQUEST_CANCEL,
      1,
      keys.task(connection, taskId),
      now,
    )) as [CancelRequest['kind'], string?, string?, string?];
    if (kind === 'missing' || kind === 'ended' || kind === 'committed') return { kind };
    const task = withCancel(JSON.parse(publicJson!) as Task, cancel ?? null);
    const internal = JSON.parse(internalJson!) as TaskInternal;
    if (kind === 'queued') return { kind, task, internal, publicJson: publicJson! };
    return { kind, task, internal };
  }

  /**
   * Stores a terminal task: starts its retention clock, frees its lock, drops it from the open set. A task that
   * ended is written once and read rarely, so it is kept compressed and without its internal record (whose
   * step state has no use any more): a third of the bytes (bench: Redis bytes per task). The sealed secrets of
   * its request go with that record: an ended task keeps none, sealed or not.
   */
  async finish(
    task: Task,
    internal: TaskInternal,
    options: { mode?: 'succeed' | 'expect'; expectPublic?: string; event?: TaskEventType } = {},
  ): Promise<FinishOutcome> {
    const cutoff = Date.now() - this.retentionSeconds * 1000 - 86_400_000;
    // Ended once, in one script: a second worker after a crash, or the API racing a worker, finds it ended.
    const [outcome, cancel] = (await this.script(
      FINISH,
      6,
      keys.task(task.provider, task.id),
      keys.openTasks(task.provider),
      keys.tasksByProvider(task.provider),
      task.resource.id ? keys.tasksByResource(task.resource.id) : absent(task.provider),
      internal.lockedResourceId ? keys.resourceLock(internal.lockedResourceId) : absent(task.provider),
      keys.events(task.provider),
      deflateRawSync(JSON.stringify(task), { dictionary: TASK_DICTIONARY }),
      String(this.retentionSeconds),
      String(cutoff),
      task.id,
      String(decodeTime(task.id)),
      options.mode ?? '',
      options.expectPublic ?? '',
      absent(task.provider),
      String(this.config.events.retainEvents),
      ...(options.event ? encodeEvent(options.event, summarize(task)) : []),
    )) as [FinishOutcome['outcome'], string?];
    return outcome === 'canceled' ? { outcome, cancelRequestedAt: cancel! } : { outcome };
  }

  /** Moves the lock of a create to the resource it created, so no second mutation starts mid-task. */
  async lockResource(resourceId: string, taskId: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.redis.set(keys.resourceLock(resourceId), taskId, 'EX', ttlSeconds, 'NX');
    return result === 'OK';
  }

  /** Ids of the tasks currently holding each resource (null where none). */
  async activeTaskIds(resourceIds: string[]): Promise<Array<string | null>> {
    if (resourceIds.length === 0) return [];
    // One GET per lock, not an MGET: ids of different connections are in different cluster slots. The client's
    // auto-pipelining sends them together.
    return Promise.all(resourceIds.map((id) => this.redis.get(keys.resourceLock(id))));
  }

  async openTaskIds(connection: string): Promise<string[]> {
    return this.redis.smembers(keys.openTasks(connection));
  }

  async forgetOpen(connection: string, taskId: string): Promise<void> {
    await this.redis.srem(keys.openTasks(connection), taskId);
  }

  /**
   * Newest first, across the permitted connections. Filters apply after reading, so a page may hold fewer
   * items than asked while `next` says more may follow; at most `scanLimit` candidates are read per call.
   */
  async list(
    filter: TaskFilter,
    pageSize: number,
    after: string | null,
    scanLimit = 5_000,
  ): Promise<TaskPage> {
    // Each source is one connection's index (or one resource's): its tasks are in that connection's slot.
    const sources = filter.resourceId
      ? [
          {
            key: keys.tasksByResource(filter.resourceId),
            connection: connectionOfResourceId(filter.resourceId),
          },
        ]
      : filter.providers.map((p) => ({ key: keys.tasksByProvider(p), connection: p }));
    const maxScore = after ? String(decodeTime(after)) : '+inf';
    const chunk = Math.min(500, Math.max(pageSize * 2, 50));
    const buffers = sources.map(() => [] as string[]);
    const offsets = sources.map(() => 0);
    const exhausted = sources.map(() => false);
    const items: Task[] = [];
    let scanned = 0;
    let last: string | null = null;

    const refill = async (i: number) => {
      const ids = await this.redis.zrevrangebyscore(
        sources[i].key,
        maxScore,
        '-inf',
        'LIMIT',
        offsets[i],
        chunk,
      );
      offsets[i] += ids.length;
      if (ids.length < chunk) exhausted[i] = true;
      buffers[i].push(...ids.filter((id) => !after || id < after));
    };
    await Promise.all(sources.map((_, i) => refill(i)));

    while (items.length < pageSize && scanned < scanLimit) {
      // Merge the sources one id at a time so that the page is ordered across connections.
      const batch: Array<{ id: string; connection: string }> = [];
      while (batch.length < pageSize - items.length) {
        for (let i = 0; i < sources.length; i++)
          if (buffers[i].length === 0 && !exhausted[i]) await refill(i);
        let pick = -1;
        for (let i = 0; i < sources.length; i++) {
          if (buffers[i].length && (pick < 0 || buffers[i][0] > buffers[pick][0])) pick = i;
        }
        if (pick < 0) break;
        batch.push({ id: buffers[pick].shift()!, connection: sources[pick].connection });
      }
      if (batch.length === 0) return { items, next: null };
      // Single reads rather than one pipeline: a cluster pipeline must stay in one slot (auto-pipelining batches them).
      const tasks = await Promise.all(
        batch.map(({ id, connection }) =>
          this.redis.hmgetBuffer(keys.task(connection, id), 'public', 'packed', 'cancel'),
        ),
      );
      batch.forEach(({ id }, index) => {
        scanned++;
        last = id;
        const [plain, packed, cancel] = tasks[index] ?? [];
        const task = decodeTask(plain ?? null, packed ?? null, cancel ?? null);
        if (!task) return;
        if (!filter.providers.includes(task.provider)) return;
        if (filter.status && task.status !== filter.status) return;
        if (filter.operation && task.operation !== filter.operation) return;
        if (filter.resourceId && task.resource.id !== filter.resourceId) return;
        items.push(task);
      });
    }
    const more = buffers.some((b) => b.length > 0) || exhausted.some((e) => !e);
    return { items, next: more ? last : null };
  }
}

/**
 * A task record: plain JSON while it runs (with the time of a cancel recorded beside it), compressed once it ended.
 * A task stored before cancels existed has no `cancelRequestedAt`: it reads as null.
 */
function decodeTask(plain: Buffer | null, packed: Buffer | null, cancel: Buffer | null = null): Task | null {
  if (plain) return withCancel(JSON.parse(plain.toString('utf8')) as Task, cancel?.toString('utf8') ?? null);
  if (packed)
    return withCancel(
      JSON.parse(inflateRawSync(packed, { dictionary: TASK_DICTIONARY }).toString('utf8')) as Task,
      null,
    );
  return null;
}

function withCancel(task: Task, cancel: string | null): Task {
  task.cancelRequestedAt = task.cancelRequestedAt ?? cancel ?? null;
  return task;
}
