import { Inject, Injectable } from '@nestjs/common';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { decodeTime } from 'ulid';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { Task, TaskStatus } from './task.dto';
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
 * KEYS: idempotency key ('' if none), lock key ('' if none), task key, provider index, resource index ('' if none), open set
 * ARGV: fingerprint, task id, public json, internal json, created ms, idempotency ttl s, lock ttl s
 */
const ACCEPT = `
if KEYS[1] ~= '' then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {'replay', existing} end
end
if KEYS[2] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  if holder then return {'locked', holder} end
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[7])
end
redis.call('HSET', KEYS[3], 'public', ARGV[3], 'internal', ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[2])
if KEYS[5] ~= '' then redis.call('ZADD', KEYS[5], ARGV[5], ARGV[2]) end
redis.call('SADD', KEYS[6], ARGV[2])
if KEYS[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'EX', ARGV[6]) end
return {'created', ARGV[2]}`;

/** Releases a lock only if this task holds it. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

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

  async accept(params: AcceptParams): Promise<AcceptResult> {
    const { task, internal, lockResourceId, idempotency } = params;
    const lockTtl = Math.max(60, Math.ceil((internal.deadlineAtMs - Date.now()) / 1000) + 3600);
    const [kind, value] = (await this.redis.eval(
      ACCEPT,
      6,
      idempotency ? keys.idempotency(idempotency.apiKeyName, idempotency.key) : '',
      lockResourceId ? keys.resourceLock(lockResourceId) : '',
      keys.task(task.id),
      keys.tasksByProvider(task.provider),
      task.resource.id ? keys.tasksByResource(task.resource.id) : '',
      keys.openTasks(),
      idempotency?.fingerprint ?? '',
      task.id,
      JSON.stringify(task),
      this.storable(internal),
      String(Date.parse(task.createdAt)),
      String(this.retentionSeconds),
      String(lockTtl),
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

  async get(taskId: string): Promise<Task | null> {
    const [plain, packed] = await this.redis.hmgetBuffer(keys.task(taskId), 'public', 'packed');
    return decodeTask(plain, packed);
  }

  async getWithInternal(taskId: string): Promise<{ task: Task; internal: TaskInternal } | null> {
    const [publicJson, internalJson] = await this.redis.hmget(keys.task(taskId), 'public', 'internal');
    if (!publicJson || !internalJson) return null;
    const internal = JSON.parse(internalJson) as TaskInternal;
    // The worker rebuilds the plan from this request: its secrets are opened here, and only here.
    openSecrets(this.secrets, taskId, internal.request, internal.secrets);
    return { task: JSON.parse(publicJson) as Task, internal };
  }

  async save(task: Task, internal: TaskInternal): Promise<void> {
    const pipeline = this.redis
      .multi()
      .hset(keys.task(task.id), 'public', JSON.stringify(task), 'internal', this.storable(internal));
    // A create learns its resource id late: index it from then on.
    if (task.resource.id)
      pipeline.zadd(keys.tasksByResource(task.resource.id), 'NX', decodeTime(task.id), task.id);
    await pipeline.exec();
  }

  /**
   * Stores a terminal task: starts its retention clock, frees its lock, drops it from the open set. A task that
   * ended is written once and read rarely, so it is kept compressed and without its internal record (whose
   * step state has no use any more): a third of the bytes (bench: Redis bytes per task). The sealed secrets of
   * its request go with that record: an ended task keeps none, sealed or not.
   */
  async finish(task: Task, internal: TaskInternal): Promise<void> {
    const cutoff = Date.now() - this.retentionSeconds * 1000 - 86_400_000;
    const pipeline = this.redis
      .multi()
      .hset(
        keys.task(task.id),
        'packed',
        deflateRawSync(JSON.stringify(task), { dictionary: TASK_DICTIONARY }),
      )
      .hdel(keys.task(task.id), 'public', 'internal')
      .expire(keys.task(task.id), this.retentionSeconds)
      .srem(keys.openTasks(), task.id)
      .zremrangebyscore(keys.tasksByProvider(task.provider), '-inf', cutoff);
    if (task.resource.id) {
      pipeline
        .zadd(keys.tasksByResource(task.resource.id), 'NX', decodeTime(task.id), task.id)
        .zremrangebyscore(keys.tasksByResource(task.resource.id), '-inf', cutoff)
        .expire(keys.tasksByResource(task.resource.id), this.retentionSeconds + 86_400);
    }
    await pipeline.exec();
    if (internal.lockedResourceId)
      await this.redis.eval(RELEASE_LOCK, 1, keys.resourceLock(internal.lockedResourceId), task.id);
  }

  /** Moves the lock of a create to the resource it created, so no second mutation starts mid-task. */
  async lockResource(resourceId: string, taskId: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.redis.set(keys.resourceLock(resourceId), taskId, 'EX', ttlSeconds, 'NX');
    return result === 'OK';
  }

  /** Ids of the tasks currently holding each resource (null where none). */
  async activeTaskIds(resourceIds: string[]): Promise<Array<string | null>> {
    if (resourceIds.length === 0) return [];
    return this.redis.mget(resourceIds.map((id) => keys.resourceLock(id)));
  }

  async openTaskIds(): Promise<string[]> {
    return this.redis.smembers(keys.openTasks());
  }

  async forgetOpen(taskId: string): Promise<void> {
    await this.redis.srem(keys.openTasks(), taskId);
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
    const sources = filter.resourceId
      ? [keys.tasksByResource(filter.resourceId)]
      : filter.providers.map((p) => keys.tasksByProvider(p));
    const maxScore = after ? String(decodeTime(after)) : '+inf';
    const chunk = Math.min(500, Math.max(pageSize * 2, 50));
    const buffers = sources.map(() => [] as string[]);
    const offsets = sources.map(() => 0);
    const exhausted = sources.map(() => false);
    const items: Task[] = [];
    let scanned = 0;
    let last: string | null = null;

    const refill = async (i: number) => {
      const ids = await this.redis.zrevrangebyscore(sources[i], maxScore, '-inf', 'LIMIT', offsets[i], chunk);
      offsets[i] += ids.length;
      if (ids.length < chunk) exhausted[i] = true;
      buffers[i].push(...ids.filter((id) => !after || id < after));
    };
    await Promise.all(sources.map((_, i) => refill(i)));

    while (items.length < pageSize && scanned < scanLimit) {
      // Merge the sources one id at a time so that the page is ordered across connections.
      const batch: string[] = [];
      while (batch.length < pageSize - items.length) {
        for (let i = 0; i < sources.length; i++)
          if (buffers[i].length === 0 && !exhausted[i]) await refill(i);
        let pick = -1;
        for (let i = 0; i < sources.length; i++) {
          if (buffers[i].length && (pick < 0 || buffers[i][0] > buffers[pick][0])) pick = i;
        }
        if (pick < 0) break;
        batch.push(buffers[pick].shift()!);
      }
      if (batch.length === 0) return { items, next: null };
      const tasks = await this.redis
        .pipeline(batch.map((id) => ['hmgetBuffer', keys.task(id), 'public', 'packed']))
        .exec();
      batch.forEach((id, index) => {
        scanned++;
        last = id;
        const [plain, packed] = (tasks?.[index]?.[1] as Array<Buffer | null> | undefined) ?? [null, null];
        const task = decodeTask(plain, packed);
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

/** A task record: plain JSON while it runs, compressed once it ended. */
function decodeTask(plain: Buffer | null, packed: Buffer | null): Task | null {
  if (plain) return JSON.parse(plain.toString('utf8')) as Task;
  if (packed)
    return JSON.parse(inflateRawSync(packed, { dictionary: TASK_DICTIONARY }).toString('utf8')) as Task;
  return null;
}
