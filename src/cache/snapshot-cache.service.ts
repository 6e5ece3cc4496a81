import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { GatewayError, ProviderTimeoutError } from '../common/errors/gateway-error';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import type { Listed, SkippedItem } from '../domain/listed';
import { keys } from '../common/redis/keys';
import { REDIS } from '../common/redis/redis.tokens';
import { SingleFlight } from './single-flight';

interface Stored<T> {
  observedAt: string;
  /** Generation of the connection when the read started. */
  gen: number;
  value: T;
  /** Items of a list answer that the adapter left out (malformed, over the item cap), first ones only. */
  skipped?: SkippedItem[];
  /** How many were left out in all. */
  skippedCount?: number;
}

export interface SnapshotRead<T> {
  value: T;
  observedAt: string;
  /** `ok`: fresh or just loaded; `stale`: the backend failed and an older copy is served. */
  status: 'ok' | 'stale';
  error?: GatewayError;
  /** Items of the backend's list answer left out by its adapter (the first few), and their count. */
  skipped?: SkippedItem[];
  skippedCount?: number;
}

/** Reasons kept with a snapshot: enough to say what is wrong, never a whole broken answer. */
const KEPT_SKIP_REASONS = 10;

const readOf = <T>(stored: Stored<T>, status: 'ok' | 'stale', error?: GatewayError): SnapshotRead<T> => ({
  value: stored.value,
  observedAt: stored.observedAt,
  status,
  ...(error ? { error } : {}),
  ...(stored.skippedCount ? { skipped: stored.skipped, skippedCount: stored.skippedCount } : {}),
});

/** Stores an entry only if no task ended on the connection while it was being read (KEYS: entry, generation). */
const SET_IF_GENERATION = `
if tonumber(redis.call('GET', KEYS[2]) or '0') == tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

class DeadlinePassed extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlinePassed()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const byNativeId = (a: { nativeId: string }, b: { nativeId: string }) =>
  a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0;

/**
 * Per-connection snapshots of backend reads in Redis (docs/design.md#reads-and-the-snapshot-cache: reads go
 * to the provider through a short cache). An entry is fresh for `cache.freshMs` while no task has ended on
 * its connection since it was read; it is kept for `cache.staleMs` to be served, marked stale, when the
 * backend fails. Concurrent readers in one process share one upstream call.
 */
@Injectable()
export class SnapshotCache {
  private readonly logger = new Logger(SnapshotCache.name);
  private readonly flights = new SingleFlight();
  /**
   * The last list snapshot this process read or loaded, parsed, per key. While the connection's generation has
   * not moved and it is still fresh, a list is served from it after one small read (the generation) instead of
   * fetching and parsing the whole snapshot again: that parse was the largest cost of a cached list.
   */
  private readonly parsed = new Map<string, Stored<unknown>>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** A list snapshot, loaded through `load` when missing, old, or from an older generation. */
  async list<T extends { nativeId: string }>(
    connection: string,
    type: string,
    load: () => Promise<Listed<T>>,
    deadlineMs: number,
    fresh = false,
  ): Promise<SnapshotRead<T[]>> {
    const key = keys.snapshot(connection, type);
    const known = this.parsed.get(key) as Stored<T[]> | undefined;
    if (
      known &&
      !fresh &&
      this.isFresh(known, Number((await this.redis.get(keys.generation(connection))) ?? 0))
    )
      return readOf(known, 'ok');
    const [cached, gen] = await this.read<T[]>(key, connection);
    if (cached && !fresh && this.isFresh(cached, gen)) {
      this.parsed.set(key, cached);
      return readOf(cached, 'ok');
    }
    const loading = this.flights.run(`${key}:${gen}`, async () => {
      const { items, skipped } = await load();
      return this.load(key, connection, gen, async () => [...items].sort(byNativeId), undefined, skipped);
    });
    try {
      const stored = await withDeadline(loading, deadlineMs);
      this.parsed.set(key, stored);
      return readOf(stored, 'ok');
    } catch (error) {
      loading.catch(() => undefined); // a late failure of a load we stopped waiting for is not unhandled
      const problem = this.asGatewayError(error, connection, deadlineMs);
      if (cached) return readOf(cached, 'stale', problem);
      throw problem;
    }
  }

  /**
   * One resource: from its item entry or a fresh list snapshot when possible, else through `load`. A null
   * answer (not found) is not cached, so a new resource shows up at once.
   */
  async item<T extends { nativeId: string }>(
    connection: string,
    type: string,
    nativeId: string,
    load: () => Promise<T | null>,
    fresh = false,
  ): Promise<SnapshotRead<T | null>> {
    const key = keys.item(connection, type, nativeId);
    const [[cached, gen], [snapshot]] = await Promise.all([
      this.read<T>(key, connection),
      this.read<T[]>(keys.snapshot(connection, type), connection),
    ]);
    if (!fresh && cached && this.isFresh(cached, gen))
      return { value: cached.value, observedAt: cached.observedAt, status: 'ok' };
    if (!fresh && snapshot && this.isFresh(snapshot, gen)) {
      const found = snapshot.value.find((item) => item.nativeId === nativeId);
      if (found) return { value: found, observedAt: snapshot.observedAt, status: 'ok' };
    }
    try {
      const stored = await this.flights.run(`${key}:${gen}`, () =>
        this.load(key, connection, gen, load, (value) => value !== null),
      );
      return { value: stored.value, observedAt: stored.observedAt, status: 'ok' };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      // The backend failed: the newest copy we hold, from the item entry or the list snapshot, marked stale.
      const fromSnapshot = snapshot?.value.find((item) => item.nativeId === nativeId);
      const older =
        cached ??
        (fromSnapshot && snapshot ? { value: fromSnapshot, observedAt: snapshot.observedAt } : null);
      if (older)
        return {
          value: older.value,
          observedAt: older.observedAt,
          status: 'stale',
          error: error.withProvider(connection),
        };
      throw error.withProvider(connection);
    }
  }

  /**
   * A task ended on the connection: every cached read of it becomes old, and the task's own fresh resource
   * (null for a delete or a failure) is written at the new generation, so a client that saw the task end
   * sees its effect at once.
   */
  taskEnded<T extends { nativeId: string }>(
    connection: string,
    type: string,
    nativeId: string,
    resource: T | null,
  ): Promise<void> {
    return this.changed(connection, type, nativeId, resource);
  }

  /**
   * The gateway changed a resource itself, without a task (labels it keeps, docs/design.md#labels): the same as a
   * task ending on it. The generation moves, so no process serves an older copy it parsed, and the resource as it
   * is now (null: gone) is written at the new generation.
   */
  async changed<T extends { nativeId: string }>(
    connection: string,
    type: string,
    nativeId: string,
    resource: T | null,
  ): Promise<void> {
    const gen = await this.redis.incr(keys.generation(connection));
    const itemKey = keys.item(connection, type, nativeId);
    if (resource) await this.write(itemKey, { observedAt: new Date().toISOString(), gen, value: resource });
    else await this.redis.del(itemKey);
    // The snapshot of the same type stays usable when it was current just before: patch and re-stamp it.
    const [snapshot] = await this.read<T[]>(keys.snapshot(connection, type), connection);
    if (!snapshot) return;
    if (snapshot.gen !== gen - 1) {
      await this.redis.del(keys.snapshot(connection, type));
      return;
    }
    const rest = snapshot.value.filter((item) => item.nativeId !== nativeId);
    const value = resource ? [...rest, resource].sort(byNativeId) : rest;
    await this.redis.set(
      keys.snapshot(connection, type),
      JSON.stringify({ ...snapshot, gen, value }),
      'KEEPTTL',
    );
  }

  /** Catalog entries change rarely: cached for a minute at least, served from cache when the backend fails. */
  async catalog<T>(connection: string, what: string, load: () => Promise<T>): Promise<T> {
    const key = keys.catalog(connection, what);
    const raw = await this.redis.get(key);
    const cached = raw ? (JSON.parse(raw) as Stored<T>) : null;
    if (cached && Date.now() - Date.parse(cached.observedAt) < Math.max(this.config.cache.freshMs, 60_000))
      return cached.value;
    try {
      return await this.flights.run(key, async () => {
        const value = await load();
        await this.write(key, { observedAt: new Date().toISOString(), gen: 0, value });
        return value;
      });
    } catch (error) {
      if (cached && error instanceof GatewayError) return cached.value;
      throw error instanceof GatewayError ? error.withProvider(connection) : error;
    }
  }

  private async load<T>(
    key: string,
    connection: string,
    gen: number,
    load: () => Promise<T>,
    keep: (value: T) => boolean = () => true,
    skipped: SkippedItem[] = [],
  ): Promise<Stored<T>> {
    const stored: Stored<T> = {
      observedAt: new Date().toISOString(),
      gen,
      value: await load(),
      ...(skipped.length
        ? { skipped: skipped.slice(0, KEPT_SKIP_REASONS), skippedCount: skipped.length }
        : {}),
    };
    if (keep(stored.value)) {
      const text = JSON.stringify(stored);
      // A value over the bound is served from this read only: Redis is not a store for whole backends.
      if (text.length > this.config.cache.maxValueBytes) {
        this.logger.warn(
          `${key}: ${text.length} bytes, over cache.maxValueBytes (${this.config.cache.maxValueBytes}); not cached`,
        );
        return stored;
      }
      await this.redis.eval(
        SET_IF_GENERATION,
        2,
        key,
        keys.generation(connection),
        gen,
        text,
        Math.max(1, this.config.cache.staleMs),
      );
    }
    return stored;
  }

  private isFresh(stored: Stored<unknown>, gen: number): boolean {
    return stored.gen === gen && Date.now() - Date.parse(stored.observedAt) < this.config.cache.freshMs;
  }

  /** An entry and the connection's current generation, in one round trip. */
  private async read<T>(key: string, connection: string): Promise<[Stored<T> | null, number]> {
    const [raw, gen] = await this.redis.mget(key, keys.generation(connection));
    return [raw ? (JSON.parse(raw) as Stored<T>) : null, Number(gen ?? 0)];
  }

  private async write<T>(key: string, stored: Stored<T>): Promise<void> {
    await this.redis.set(key, JSON.stringify(stored), 'PX', Math.max(1, this.config.cache.staleMs));
  }

  private asGatewayError(error: unknown, provider: string, deadlineMs: number): GatewayError {
    if (error instanceof GatewayError) return error.withProvider(provider);
    if (error instanceof DeadlinePassed) {
      return new ProviderTimeoutError(
        `The provider did not answer within the ${deadlineMs} ms list deadline.`,
        { provider },
      );
    }
    throw error;
  }
}
