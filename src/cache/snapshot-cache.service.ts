import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { GatewayError, ProviderTimeoutError } from '../common/errors/gateway-error';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { keys } from './keys';
import { REDIS } from './redis.tokens';
import { SingleFlight } from './single-flight';

interface Stored<T> {
  observedAt: string;
  value: T;
}

export interface SnapshotRead<T> {
  value: T;
  observedAt: string;
  /** `ok`: fresh or just loaded; `stale`: the backend failed and an older copy is served. */
  status: 'ok' | 'stale';
  error?: GatewayError;
}

/** Writes the snapshot only if no task bumped its generation while the load was running. */
const SET_IF_GENERATION = `
local current = redis.call('GET', KEYS[2])
if (current or '0') == ARGV[1] then
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

function asGatewayError(error: unknown, provider: string, deadlineMs: number): GatewayError {
  if (error instanceof GatewayError) return error.withProvider(provider);
  if (error instanceof DeadlinePassed) {
    return new ProviderTimeoutError(
      `The provider did not answer within the ${deadlineMs} ms list deadline.`,
      { provider },
    );
  }
  throw error;
}

/**
 * Per-connection snapshots of backend reads in Redis (DESIGN §2 "reads go to the provider, through a short
 * Redis cache"): fresh for `cache.freshMs`, kept for `cache.staleMs` to be served, marked stale, when the
 * backend fails. Concurrent readers in one process share one upstream call.
 */
@Injectable()
export class SnapshotCache {
  private readonly flights = new SingleFlight();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** A list snapshot, loaded through `load` when missing or older than the fresh window. */
  async list<T extends { nativeId: string }>(
    connection: string,
    type: string,
    load: () => Promise<T[]>,
    deadlineMs: number,
    fresh = false,
  ): Promise<SnapshotRead<T[]>> {
    const key = keys.snapshot(connection, type);
    const cached = await this.read<T[]>(key);
    if (cached && !fresh && this.isFresh(cached))
      return { value: cached.value, observedAt: cached.observedAt, status: 'ok' };

    const loading = this.flights.run(key, async () => {
      const generation = (await this.redis.get(keys.snapshotGeneration(connection, type))) ?? '0';
      const observedAt = new Date().toISOString();
      const value = await load();
      const sorted = [...value].sort((a, b) =>
        a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0,
      );
      const stored: Stored<T[]> = { observedAt, value: sorted };
      await this.redis.eval(
        SET_IF_GENERATION,
        2,
        key,
        keys.snapshotGeneration(connection, type),
        generation,
        JSON.stringify(stored),
        this.config.cache.staleMs || 1,
      );
      return stored;
    });
    try {
      const stored = await withDeadline(loading, deadlineMs);
      return { value: stored.value, observedAt: stored.observedAt, status: 'ok' };
    } catch (error) {
      loading.catch(() => undefined); // a late failure of a load we stopped waiting for is not unhandled
      const problem = asGatewayError(error, connection, deadlineMs);
      if (cached)
        return { value: cached.value, observedAt: cached.observedAt, status: 'stale', error: problem };
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
  ): Promise<SnapshotRead<T | null>> {
    const key = keys.item(connection, type, nativeId);
    const [cached, snapshot] = await Promise.all([
      this.read<T>(key),
      this.read<T[]>(keys.snapshot(connection, type)),
    ]);
    if (cached && this.isFresh(cached))
      return { value: cached.value, observedAt: cached.observedAt, status: 'ok' };
    if (snapshot && this.isFresh(snapshot) && (!cached || snapshot.observedAt > cached.observedAt)) {
      const found = snapshot.value.find((item) => item.nativeId === nativeId);
      if (found) return { value: found, observedAt: snapshot.observedAt, status: 'ok' };
    }
    try {
      const stored = await this.flights.run(key, async () => {
        const observedAt = new Date().toISOString();
        const value = await load();
        if (value) await this.write(key, { observedAt, value });
        return { observedAt, value };
      });
      return { ...stored, status: 'ok' };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      if (cached)
        return {
          value: cached.value,
          observedAt: cached.observedAt,
          status: 'stale',
          error: error.withProvider(connection),
        };
      throw error.withProvider(connection);
    }
  }

  /** A completed task writes the fresh resource, so a client that saw the task succeed sees the new state. */
  async put<T extends { nativeId: string }>(connection: string, type: string, resource: T): Promise<void> {
    const observedAt = new Date().toISOString();
    await this.write(keys.item(connection, type, resource.nativeId), { observedAt, value: resource });
    await this.patchSnapshot<T>(connection, type, (items) => {
      const rest = items.filter((item) => item.nativeId !== resource.nativeId);
      return [...rest, resource].sort((a, b) =>
        a.nativeId < b.nativeId ? -1 : a.nativeId > b.nativeId ? 1 : 0,
      );
    });
  }

  async remove(connection: string, type: string, nativeId: string): Promise<void> {
    await this.redis.del(keys.item(connection, type, nativeId));
    await this.patchSnapshot<{ nativeId: string }>(connection, type, (items) =>
      items.filter((item) => item.nativeId !== nativeId),
    );
  }

  /** Catalog entries change rarely: cached for the stale window, refreshed in the background of misses. */
  async catalog<T>(connection: string, what: string, load: () => Promise<T>): Promise<T> {
    const key = keys.catalog(connection, what);
    const cached = await this.read<T>(key);
    if (cached && Date.now() - Date.parse(cached.observedAt) < Math.max(this.config.cache.freshMs, 60_000))
      return cached.value;
    try {
      return await this.flights.run(key, async () => {
        const value = await load();
        await this.write(key, { observedAt: new Date().toISOString(), value });
        return value;
      });
    } catch (error) {
      if (cached && error instanceof GatewayError) return cached.value;
      throw error instanceof GatewayError ? error.withProvider(connection) : error;
    }
  }

  private async patchSnapshot<T>(
    connection: string,
    type: string,
    patch: (items: T[]) => T[],
  ): Promise<void> {
    const key = keys.snapshot(connection, type);
    await this.redis.incr(keys.snapshotGeneration(connection, type));
    const snapshot = await this.read<T[]>(key);
    if (!snapshot) return;
    await this.redis.set(key, JSON.stringify({ ...snapshot, value: patch(snapshot.value) }), 'KEEPTTL');
  }

  private isFresh(stored: Stored<unknown>): boolean {
    return Date.now() - Date.parse(stored.observedAt) < this.config.cache.freshMs;
  }

  private async read<T>(key: string): Promise<Stored<T> | null> {
    const raw = await this.redis.get(key);
    return raw ? (JSON.parse(raw) as Stored<T>) : null;
  }

  private async write<T>(key: string, stored: Stored<T>): Promise<void> {
    await this.redis.set(key, JSON.stringify(stored), 'PX', Math.max(1, this.config.cache.staleMs));
  }
}
